package io.fossil.kv.rocksdb;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.tck.KvStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class RocksDbKvStoreContractTest extends KvStoreContract {

  @TempDir static Path root;

  @Override
  protected KvStore open(String name) {
    return KvStores.open("rocksdb:" + root.resolve(name));
  }
}
