package io.fossil.kv.etcd;

import static io.fossil.kv.etcd.EtcdKvStoreTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KvClosedException;
import io.fossil.kv.KvException;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With nothing listening, calls end by their deadline: writes unknown, reads failed. */
class EtcdUnreachableTest {

  private static final Duration CALL_TIMEOUT = Duration.ofMillis(700);

  /** The deadline, the handle's one-second backstop, and slack for a loaded machine. */
  private static final Duration BOUND = CALL_TIMEOUT.plusSeconds(4);

  @Test
  void writesEndUnknownAndReadsFailWithinTheDeadline() throws Exception {
    int port = EtcdServer.freePort();
    try (KvStore store =
        KvStores.open("etcd://127.0.0.1:" + port + "/down?callTimeout=" + CALL_TIMEOUT)) {
      long started = System.nanoTime();
      CompletableFuture<WriteOutcome> write =
          store.write(
              WriteBatch.builder().requireAbsent(bytes("k")).put(bytes("k"), bytes("v")).build());
      CompletableFuture<?> read = store.get(bytes("k"));
      CompletableFuture<?> scan = store.scan(KeyRange.all(), 10, false);

      assertThat(write.get(BOUND.toMillis(), TimeUnit.MILLISECONDS))
          .isInstanceOf(WriteOutcome.Unknown.class);
      assertFailsWithKvException(read);
      assertFailsWithKvException(scan);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
    }
  }

  @Test
  void aClosedHandleFailsAtOnceWithoutTouchingTheNetwork() {
    KvStore store = KvStores.open("etcd://127.0.0.1:" + EtcdServer.freePort());
    store.close();
    assertThatThrownBy(
            () -> store.write(WriteBatch.builder().put(bytes("k"), bytes("v")).build()).join())
        .hasCauseInstanceOf(KvClosedException.class);
    assertThatThrownBy(() -> store.get(bytes("k")).join())
        .hasCauseInstanceOf(KvClosedException.class);
    assertThatThrownBy(() -> store.scan(KeyRange.of(bytes("a"), bytes("a")), 1, false).join())
        .hasCauseInstanceOf(KvClosedException.class);
  }

  private static void assertFailsWithKvException(CompletableFuture<?> future) {
    assertThatThrownBy(() -> future.get(BOUND.toMillis(), TimeUnit.MILLISECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(KvException.class)
        .hasMessageContaining("etcd read failed: DEADLINE_EXCEEDED");
  }
}
