package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.etcd.EtcdServer;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The segment owner's suite against a real etcd server (skipped, with a reason, without one). */
class EtcdSegmentAppenderTest extends SegmentAppenderContract {

  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();

  @Override
  protected KvStore openStore() {
    return KvStores.open(ETCD.uri("owner-" + UUID.randomUUID(), "callTimeout=20s"));
  }
}
