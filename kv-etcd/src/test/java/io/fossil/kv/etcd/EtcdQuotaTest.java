package io.fossil.kv.etcd;

import static io.fossil.kv.etcd.EtcdKvStoreTest.SLOW_OK;
import static io.fossil.kv.etcd.EtcdKvStoreTest.bytes;
import static io.fossil.kv.etcd.EtcdKvStoreTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvException;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** etcd refuses writes over its space quota before applying them: an exception, not unknown. */
class EtcdQuotaTest {

  @RegisterExtension
  static final EtcdServer ETCD = new EtcdServer("--quota-backend-bytes=" + 8 * 1024 * 1024);

  @Test
  void aFullDatabaseRefusesWritesWithEtcdsReason() {
    try (KvStore store = KvStores.open(ETCD.uri("full", SLOW_OK))) {
      byte[] value = new byte[1024 * 1024];
      KvException refused = null;
      for (int i = 0; i < 64 && refused == null; i++) {
        try {
          WriteOutcome o =
              get(store.write(WriteBatch.builder().put(bytes("k" + i), value).build()));
          assertThat(o).isInstanceOf(WriteOutcome.Committed.class);
        } catch (KvException e) {
          refused = e;
        }
      }
      assertThat(refused).as("a write refused for lack of space").isNotNull();
      assertThat(refused).hasMessageContaining("database space exceeded");
    }
  }
}
