package io.fossil.kv.mem;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.tck.KvStoreContract;

class MemKvStoreContractTest extends KvStoreContract {
  @Override
  protected KvStore open(String name) {
    return KvStores.open("mem:" + name);
  }
}
