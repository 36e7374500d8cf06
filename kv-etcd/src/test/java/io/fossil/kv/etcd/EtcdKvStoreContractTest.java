package io.fossil.kv.etcd;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.tck.KvStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole conformance suite against a real etcd; each test's name is its namespace. */
class EtcdKvStoreContractTest extends KvStoreContract {

  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();

  @Override
  protected KvStore open(String name) {
    // A deadline a loaded CI machine will not miss; the suite bounds every call at 60 s.
    return KvStores.open(ETCD.uri(name, EtcdKvStoreTest.SLOW_OK));
  }
}
