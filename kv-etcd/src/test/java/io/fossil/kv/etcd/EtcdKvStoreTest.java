package io.fossil.kv.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.fossil.kv.KeyRange;
import io.fossil.kv.KvException;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the conformance suite cannot see: etcd's layout, limits, refusals and unknown outcomes. */
class EtcdKvStoreTest {

  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();

  private static final Duration BOUND = Duration.ofSeconds(30);

  /** Calls that are meant to succeed get a deadline a loaded CI machine will not miss. */
  static final String SLOW_OK = "callTimeout=20s";

  @Test
  void theProviderIsFoundByScheme() {
    assertThat(KvStores.providers()).containsKey("etcd");
    assertThat(KvStores.providers().get("etcd")).isInstanceOf(EtcdKvStoreProvider.class);
  }

  @Test
  void everyKeyIsStoredUnderTheNamespaceAndNamespacesAreIsolated(TestInfo info) throws Exception {
    String ns = info.getTestMethod().orElseThrow().getName();
    try (KvStore a = KvStores.open(ETCD.uri(ns + "/a", SLOW_OK));
        KvStore b = KvStores.open(ETCD.uri(ns + "/b", SLOW_OK));
        KvStore fallback = KvStores.open("etcd://127.0.0.1:" + ETCD.clientPort() + "?" + SLOW_OK);
        Client raw = rawClient()) {
      commit(a, WriteBatch.builder().put(new byte[0], bytes("empty")).put(bytes("k"), bytes("a")));
      commit(b, WriteBatch.builder().put(bytes("k"), bytes("b")));
      commit(fallback, WriteBatch.builder().put(bytes(ns), bytes("default")));

      assertThat(rawGet(raw, ns + "/a/")).contains("empty");
      assertThat(rawGet(raw, ns + "/a/k")).contains("a");
      assertThat(rawGet(raw, ns + "/b/k")).contains("b");
      assertThat(rawGet(raw, "fossil/" + ns)).contains("default");
      assertThat(get(a.scan(KeyRange.all(), 10, false)).entries()).hasSize(2);
      assertThat(get(b.scan(KeyRange.all(), 10, true)).entries()).hasSize(1);
      assertThat(get(a.get(bytes("k")))).contains(bytes("a"));
    }
  }

  @Test
  void aWriteToAFrozenServerIsUnknownAndResubmittingResolvesIt(TestInfo info) throws Exception {
    Duration callTimeout = Duration.ofMillis(500);
    try (KvStore store = KvStores.open(ETCD.uri(name(info), "callTimeout=500ms"))) {
      // Connect first, so the write below really goes out on an open connection. Under load a
      // read may miss the short deadline, so this tries until one succeeds.
      await("a first successful read")
          .atMost(BOUND)
          .ignoreExceptions()
          .until(() -> get(store.get(bytes("warm"))).isEmpty());
      byte[] key = bytes("event-1");
      byte[] ours = bytes("our bytes");
      WriteBatch batch = WriteBatch.builder().requireAbsent(key).put(key, ours).build();

      WriteOutcome first;
      long started = System.nanoTime();
      ETCD.suspend();
      try {
        CompletableFuture<WriteOutcome> pending = store.write(batch);
        first = pending.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      } finally {
        ETCD.resume();
      }
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(first).isInstanceOf(WriteOutcome.Unknown.class);
      assertThat(((WriteOutcome.Unknown) first).cause()).isNotNull();
      assertThat(took).isLessThan(callTimeout.plusSeconds(5));

      // Invariant 7: re-submit the identical batch until the outcome is definite.
      AtomicReference<WriteOutcome> settled = new AtomicReference<>();
      await("a definite outcome")
          .atMost(BOUND)
          .until(
              () -> {
                settled.set(get(store.write(batch)));
                return !(settled.get() instanceof WriteOutcome.Unknown);
              });
      if (settled.get() instanceof WriteOutcome.PreconditionFailed failed) {
        // The first attempt applied after all: the key must hold exactly our bytes.
        assertThat(failed.keys()).containsExactly(key);
      } else {
        assertThat(settled.get()).isInstanceOf(WriteOutcome.Committed.class);
      }
      assertThat(get(store.get(key))).contains(ours);
    }
  }

  @Test
  void aRefusalByEtcdFailsTheFutureInsteadOfBeingUnknown(TestInfo info) {
    // The URI claims the server allows 200 operations; the test server allows etcd's 128.
    try (KvStore store = KvStores.open(ETCD.uri(name(info), "maxTxnOps=200&" + SLOW_OK))) {
      WriteBatch.Builder batch = WriteBatch.builder();
      for (int i = 0; i < 150; i++) {
        batch.put(bytes("k" + i), bytes("v"));
      }
      assertThatThrownBy(() -> get(store.write(batch.build())))
          .isInstanceOf(KvException.class)
          .hasMessageContaining("etcd refused the batch")
          .hasMessageContaining("too many operations in txn request");
      assertThat(get(store.get(bytes("k0")))).isEmpty();
    }
  }

  @Test
  void theLargestBatchTheLimitsAllowFitsEtcdsRequestLimit(TestInfo info) {
    // A long namespace, maximal keys, every precondition key also read back on failure: the
    // worst case for the request size that the limits promise to fit.
    String namespace = name(info) + "/" + "n".repeat(200);
    try (KvStore store = KvStores.open(ETCD.uri(namespace, SLOW_OK))) {
      KvLimits limits = store.limits();
      int n = limits.maxOperations();
      WriteBatch.Builder batch = WriteBatch.builder();
      long bytes = 0;
      for (int i = 0; i < n; i++) {
        byte[] key = key(i, limits.maxKeyBytes());
        batch.requireAbsent(key);
        bytes += 2L * key.length;
      }
      for (int i = 0; i < n - 1; i++) {
        batch.put(key(i, limits.maxKeyBytes()), new byte[0]);
      }
      byte[] last = key(n - 1, limits.maxKeyBytes());
      int lastValue = (int) (limits.maxBatchBytes() - bytes);
      batch.put(last, new byte[lastValue]);
      WriteBatch full = batch.build();
      assertThat(full.byteSize()).isEqualTo(limits.maxBatchBytes());
      assertThat(full.operationCount()).isEqualTo(n);

      commit(store, full);
      WriteOutcome again = get(store.write(full));
      assertThat(again).isInstanceOf(WriteOutcome.PreconditionFailed.class);
      assertThat(((WriteOutcome.PreconditionFailed) again).keys()).hasSize(n);
      assertThat(get(store.get(last))).hasValueSatisfying(v -> assertThat(v).hasSize(lastValue));
    }
  }

  @Test
  void aWriteUnderWayWhenItsHandleClosesStillCompletes(TestInfo info) {
    String uri = ETCD.uri(name(info), SLOW_OK);
    KvStore store = KvStores.open(uri);
    CompletableFuture<WriteOutcome> pending =
        store.write(WriteBatch.builder().put(bytes("k"), bytes("v")).build());
    store.close();
    assertThat(get(pending)).isInstanceOf(WriteOutcome.Committed.class);
    try (KvStore other = KvStores.open(uri)) {
      assertThat(get(other.get(bytes("k")))).contains(bytes("v"));
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String name(TestInfo info) {
    return EtcdKvStoreTest.class.getSimpleName()
        + "-"
        + info.getTestMethod().orElseThrow().getName();
  }

  private static byte[] key(int i, int length) {
    byte[] key = new byte[length];
    Arrays.fill(key, (byte) 'k');
    byte[] suffix = bytes(Integer.toString(i));
    System.arraycopy(suffix, 0, key, length - suffix.length, suffix.length);
    return key;
  }

  private static Client rawClient() {
    return Client.builder().endpoints("http://127.0.0.1:" + ETCD.clientPort()).build();
  }

  private static Optional<String> rawGet(Client raw, String key) throws Exception {
    GetResponse r =
        raw.getKVClient()
            .get(ByteSequence.from(key, UTF_8))
            .get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    return r.getKvs().stream().findFirst().map(kv -> kv.getValue().toString(UTF_8));
  }

  private static void commit(KvStore store, WriteBatch.Builder batch) {
    commit(store, batch.build());
  }

  private static void commit(KvStore store, WriteBatch batch) {
    assertThat(get(store.write(batch))).isInstanceOf(WriteOutcome.Committed.class);
  }

  static <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no result within " + BOUND, e);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }
}
