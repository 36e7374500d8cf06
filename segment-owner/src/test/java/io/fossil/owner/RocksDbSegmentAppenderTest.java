package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class RocksDbSegmentAppenderTest extends SegmentAppenderContract {

  @TempDir Path dir;

  @Override
  protected KvStore openStore() {
    return KvStores.open("rocksdb:" + dir);
  }
}
