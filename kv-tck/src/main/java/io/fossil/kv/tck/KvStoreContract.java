package io.fossil.kv.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.Keys;
import io.fossil.kv.KvClosedException;
import io.fossil.kv.KvLimitExceededException;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvScans;
import io.fossil.kv.KvStore;
import io.fossil.kv.ScanPage;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The storage conformance suite. A backend runs it by subclassing this class and implementing
 * {@link #open(String)}; every test works in a key space of its own, so suites may share one
 * server.
 *
 * <p>What a backend must guarantee is what {@link KvStore}'s Javadoc promises; each test below
 * checks one of those promises in a way that fails when the promise is broken.
 */
public abstract class KvStoreContract {

  /** Upper bound for any single storage call in this suite. */
  protected static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final List<KvStore> opened = new ArrayList<>();
  private String name;

  /** The handle each test starts with. */
  protected KvStore store;

  /**
   * Opens a new handle on the backend. Handles opened with the same {@code name} see the same data
   * (a second process or node would); different names must be isolated from each other.
   */
  protected abstract KvStore open(String name) throws Exception;

  @BeforeEach
  void openStore(TestInfo info) throws Exception {
    name =
        info.getTestMethod().map(m -> m.getName()).orElse("test")
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    store = reopen();
  }

  @AfterEach
  void closeStores() {
    for (KvStore s : opened) {
      s.close();
    }
    opened.clear();
  }

  /** Another handle on this test's key space. */
  protected final KvStore reopen() throws Exception {
    KvStore s = open(name);
    opened.add(s);
    return s;
  }

  // ---------------------------------------------------------------- reads and order

  @Test
  void missingKeyReadsAsEmpty() {
    assertThat(await(store.get(bytes("nope")))).isEmpty();
  }

  @Test
  void keysAreOrderedUnsignedLexicographically() {
    List<byte[]> sorted =
        List.of(
            b(),
            b(0x00),
            b(0x00, 0x00),
            b(0x01),
            b(0x7F),
            b(0x80),
            b(0xFE, 0xFF),
            b(0xFF),
            b(0xFF, 0x00));
    List<byte[]> shuffled = new ArrayList<>(sorted);
    Collections.shuffle(shuffled, new Random(7));
    for (byte[] key : shuffled) {
      commit(WriteBatch.builder().put(key, key).build());
    }
    assertThat(keys(scanAll(KeyRange.all(), 100, false))).containsExactlyElementsOf(sorted);
    List<byte[]> reversed = new ArrayList<>(sorted);
    Collections.reverse(reversed);
    assertThat(keys(scanAll(KeyRange.all(), 100, true))).containsExactlyElementsOf(reversed);
  }

  @Test
  void prefixRangesAreIsolated() {
    for (String stream : List.of("foo", "foo/bar", "foo2", "fo", "")) {
      for (long position = 0; position < 3; position++) {
        commit(
            WriteBatch.builder()
                .put(TupleKey.of("index", stream, position), bytes(stream))
                .build());
      }
    }
    List<KeyValue> foo =
        scanAll(TupleKey.builder().string("index").string("foo").range(), 100, false);
    assertThat(foo).hasSize(3).allSatisfy(kv -> assertThat(kv.value()).isEqualTo(bytes("foo")));
    assertThat(scanAll(KeyRange.prefix(bytes("a")), 10, false)).isEmpty();
  }

  @Test
  void scanHonoursRangeBoundsAndLimitInBothDirections() {
    for (int i = 0; i < 10; i++) {
      commit(WriteBatch.builder().put(b(i), b(i)).build());
    }
    KeyRange range = KeyRange.of(b(2), b(7)); // 2..6
    ScanPage forward = await(store.scan(range, 3, false));
    assertThat(keys(forward.entries())).containsExactly(b(2), b(3), b(4));
    assertThat(forward.rest()).isPresent();
    ScanPage next = await(store.scan(forward.rest().get(), 3, false));
    assertThat(keys(next.entries())).containsExactly(b(5), b(6));

    ScanPage backward = await(store.scan(range, 3, true));
    assertThat(keys(backward.entries())).containsExactly(b(6), b(5), b(4));
    ScanPage back2 = await(store.scan(backward.rest().orElseThrow(), 3, true));
    assertThat(keys(back2.entries())).containsExactly(b(3), b(2));

    ScanPage whole = await(store.scan(range, 5, false));
    assertThat(whole.entries()).hasSize(5);
    if (whole.rest().isPresent()) {
      assertThat(await(store.scan(whole.rest().get(), 5, false)).entries()).isEmpty();
    }
    assertThat(await(store.scan(range, 6, false)).rest()).isEmpty();
    assertThatThrownBy(() -> store.scan(range, 0, false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pagesThroughOneHundredThousandKeysBothWays() {
    int count = 100_000;
    int chunk = Math.min(1000, store.limits().maxOperations());
    List<CompletableFuture<WriteOutcome>> writes = new ArrayList<>();
    for (int start = 0; start < count; start += chunk) {
      WriteBatch.Builder batch = WriteBatch.builder();
      for (int i = start; i < Math.min(count, start + chunk); i++) {
        batch.put(TupleKey.of("k", i), longBytes(i));
      }
      writes.add(store.write(batch.build()));
      if (writes.size() == 16) {
        writes.forEach(w -> assertThat(await(w)).isInstanceOf(WriteOutcome.Committed.class));
        writes.clear();
      }
    }
    writes.forEach(w -> assertThat(await(w)).isInstanceOf(WriteOutcome.Committed.class));

    KeyRange range = TupleKey.builder().string("k").range();
    long[] expected = {0};
    long seen =
        await(
            KvScans.forEach(
                store,
                range,
                997,
                false,
                kv -> {
                  if (ByteBuffer.wrap(kv.value()).getLong() != expected[0]++) {
                    throw new AssertionError("forward scan out of order at " + (expected[0] - 1));
                  }
                }));
    assertThat(seen).isEqualTo(count);

    expected[0] = count - 1;
    long seenBack =
        await(
            KvScans.forEach(
                store,
                range,
                1009,
                true,
                kv -> {
                  if (ByteBuffer.wrap(kv.value()).getLong() != expected[0]--) {
                    throw new AssertionError("reverse scan out of order at " + (expected[0] + 1));
                  }
                }));
    assertThat(seenBack).isEqualTo(count);
  }

  @Test
  void emptyAndBinaryKeysAndValuesRoundTrip() {
    byte[][] keys = {b(), b(0x00), b(0xFF), b(0x00, 0xFF, 0x00), b(0xFF, 0xFF, 0xFF)};
    byte[][] values = {b(), b(0x00), b(0xFF), b(0xFF, 0x00, 0xFF), bytes("plain")};
    WriteBatch.Builder batch = WriteBatch.builder();
    for (int i = 0; i < keys.length; i++) {
      batch.requireAbsent(keys[i]).put(keys[i], values[i]);
    }
    commit(batch.build());
    for (int i = 0; i < keys.length; i++) {
      assertThat(await(store.get(keys[i])))
          .as("key %s", Keys.toString(keys[i]))
          .contains(values[i]);
    }
    assertThat(scanAll(KeyRange.all(), 2, false)).hasSize(keys.length);
  }

  // ---------------------------------------------------------------- conditional writes

  @Test
  void preconditionsThatHoldLetTheBatchApply() {
    commit(WriteBatch.builder().put(bytes("a"), bytes("1")).build());
    commit(
        WriteBatch.builder()
            .requirePresent(bytes("a"))
            .requireEquals(bytes("a"), bytes("1"))
            .requireAbsent(bytes("b"))
            .put(bytes("b"), bytes("2"))
            .put(bytes("a"), bytes("3"))
            .build());
    assertThat(await(store.get(bytes("a")))).contains(bytes("3"));
    assertThat(await(store.get(bytes("b")))).contains(bytes("2"));
  }

  @Test
  void aPreconditionOnlyBatchChecksWithoutWriting() {
    commit(WriteBatch.builder().put(bytes("a"), bytes("1")).build());
    assertThat(await(store.write(WriteBatch.builder().requirePresent(bytes("a")).build())))
        .isInstanceOf(WriteOutcome.Committed.class);
    assertThat(await(store.write(WriteBatch.builder().requireAbsent(bytes("a")).build())))
        .isInstanceOf(WriteOutcome.PreconditionFailed.class);
    assertThat(await(store.write(WriteBatch.builder().build())))
        .isInstanceOf(WriteOutcome.Committed.class);
  }

  @Test
  void mutationsApplyInOrder() {
    commit(
        WriteBatch.builder()
            .put(bytes("x"), bytes("1"))
            .delete(bytes("x"))
            .delete(bytes("y"))
            .put(bytes("y"), bytes("2"))
            .put(bytes("z"), bytes("1"))
            .put(bytes("z"), bytes("3"))
            .build());
    assertThat(await(store.get(bytes("x")))).isEmpty();
    assertThat(await(store.get(bytes("y")))).contains(bytes("2"));
    assertThat(await(store.get(bytes("z")))).contains(bytes("3"));
    commit(WriteBatch.builder().delete(bytes("never-there")).build());
  }

  @Test
  void aFailedBatchNamesEveryFailedKeyAndWritesNothing() {
    commit(WriteBatch.builder().put(bytes("k1"), bytes("v")).put(bytes("k3"), bytes("v")).build());
    WriteOutcome outcome =
        await(
            store.write(
                WriteBatch.builder()
                    .requireAbsent(bytes("k1")) // fails: present
                    .requirePresent(bytes("k2")) // fails: absent
                    .requireEquals(bytes("k3"), bytes("w")) // fails: other value
                    .requireEquals(bytes("k3"), bytes("v")) // holds
                    .requireAbsent(bytes("k4")) // holds
                    .requireEquals(bytes("k5"), bytes("v")) // fails: absent
                    .put(bytes("k4"), bytes("new"))
                    .put(bytes("k1"), bytes("overwritten"))
                    .delete(bytes("k3"))
                    .build()));
    assertThat(outcome).isInstanceOf(WriteOutcome.PreconditionFailed.class);
    assertThat(((WriteOutcome.PreconditionFailed) outcome).keys())
        .containsExactly(bytes("k1"), bytes("k2"), bytes("k3"), bytes("k5"));
    assertThat(await(store.get(bytes("k4")))).isEmpty();
    assertThat(await(store.get(bytes("k1")))).contains(bytes("v"));
    assertThat(await(store.get(bytes("k3")))).contains(bytes("v"));
  }

  @Test
  void concurrentWritersOnOneAbsentKeyHaveExactlyOneWinner() throws Exception {
    int writers = 64;
    byte[] key = bytes("contended");
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<java.util.concurrent.Future<WriteOutcome>> outcomes = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        byte[] mine = longBytes(i);
        outcomes.add(
            pool.submit(
                () -> {
                  start.await();
                  return await(
                      store.write(
                          WriteBatch.builder()
                              .requireAbsent(key)
                              .put(key, mine)
                              .put(Keys.concat(key, mine), mine)
                              .build()));
                }));
      }
      start.countDown();
      int winner = -1;
      for (int i = 0; i < writers; i++) {
        WriteOutcome o = outcomes.get(i).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (o instanceof WriteOutcome.Committed) {
          assertThat(winner).as("a second writer also won").isEqualTo(-1);
          winner = i;
        } else {
          assertThat(o).isInstanceOf(WriteOutcome.PreconditionFailed.class);
          assertThat(((WriteOutcome.PreconditionFailed) o).keys()).containsExactly(key);
        }
      }
      assertThat(winner).as("nobody won").isNotNegative();
      assertThat(await(store.get(key))).contains(longBytes(winner));
      assertThat(scanAll(KeyRange.prefix(key), 100, false)).hasSize(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aScanNeverSeesHalfABatch() throws Exception {
    int keysPerBatch = Math.min(10, store.limits().maxOperations());
    int rounds = 200;
    byte[] prefix = bytes("atomic/");
    AtomicBoolean done = new AtomicBoolean();
    CompletableFuture<Integer> scans =
        CompletableFuture.supplyAsync(
            () -> {
              int checked = 0;
              while (!done.get()) {
                List<KeyValue> page =
                    await(store.scan(KeyRange.prefix(prefix), 100, false)).entries();
                if (page.isEmpty()) {
                  continue;
                }
                assertThat(page).hasSize(keysPerBatch);
                byte[] first = page.get(0).value();
                for (KeyValue kv : page) {
                  if (!Arrays.equals(kv.value(), first)) {
                    fail("scan saw part of a batch: " + page);
                  }
                }
                checked++;
              }
              return checked;
            });
    try {
      for (int round = 0; round < rounds && !scans.isDone(); round++) {
        WriteBatch.Builder batch = WriteBatch.builder();
        for (int k = 0; k < keysPerBatch; k++) {
          batch.put(Keys.concat(prefix, b(k)), longBytes(round));
        }
        commit(batch.build());
      }
    } finally {
      done.set(true);
    }
    assertThat(scans.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isPositive();
  }

  // ---------------------------------------------------------------- limits

  @Test
  void tooManyOperationsAreRefusedAtOnceWithTheLimitNamed() {
    KvLimits limits = store.limits();
    WriteBatch.Builder batch = WriteBatch.builder();
    for (int i = 0; i <= limits.maxOperations(); i++) {
      batch.put(TupleKey.of("ops", i), b());
    }
    assertThatThrownBy(() -> store.write(batch.build()))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining(String.valueOf(limits.maxOperations()));
    assertThat(await(store.get(TupleKey.of("ops", 0)))).isEmpty();
  }

  @Test
  void oversizedKeysValuesAndBatchesAreRefusedAtOnce() {
    KvLimits limits = store.limits();
    assertThatThrownBy(
            () ->
                store.write(
                    WriteBatch.builder().put(new byte[limits.maxKeyBytes() + 1], b()).build()))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining(String.valueOf(limits.maxKeyBytes()));
    assertThatThrownBy(
            () ->
                store.write(
                    WriteBatch.builder()
                        .put(bytes("v"), new byte[limits.maxValueBytes() + 1])
                        .build()))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining(String.valueOf(limits.maxValueBytes()));
    assertThat(await(store.get(bytes("v")))).isEmpty();

    int n = limits.maxOperations();
    long perValue = Math.min(limits.maxValueBytes(), limits.maxBatchBytes() / n + 1);
    if ((long) n * perValue > limits.maxBatchBytes()) {
      byte[] value = new byte[(int) perValue];
      WriteBatch.Builder batch = WriteBatch.builder();
      for (int i = 0; i < n; i++) {
        batch.put(TupleKey.of("big", i), value);
      }
      assertThatThrownBy(() -> store.write(batch.build()))
          .isInstanceOf(KvLimitExceededException.class)
          .hasMessageContaining(String.valueOf(limits.maxBatchBytes()));
      assertThat(await(store.get(TupleKey.of("big", 0)))).isEmpty();
    }
  }

  @Test
  void aBatchAtTheLimitsIsAccepted() {
    KvLimits limits = store.limits();
    int n = Math.min(limits.maxOperations(), 10_000);
    WriteBatch.Builder batch = WriteBatch.builder();
    for (int i = 0; i < n; i++) {
      batch.requireAbsent(TupleKey.of("fit", i)).put(TupleKey.of("fit", i), b(1));
    }
    commit(batch.build());
    assertThat(scanAll(TupleKey.builder().string("fit").range(), 5000, false)).hasSize(n);
  }

  // ---------------------------------------------------------------- handles

  @Test
  void aWriteAcknowledgedThroughOneHandleIsVisibleThroughAnother() throws Exception {
    KvStore second = reopen();
    commit(WriteBatch.builder().put(bytes("shared"), bytes("1")).build());
    assertThat(await(second.get(bytes("shared")))).contains(bytes("1"));
    assertThat(await(second.write(WriteBatch.builder().requireAbsent(bytes("shared")).build())))
        .isInstanceOf(WriteOutcome.PreconditionFailed.class);
    assertThat(await(second.write(WriteBatch.builder().put(bytes("back"), bytes("2")).build())))
        .isInstanceOf(WriteOutcome.Committed.class);
    assertThat(await(store.get(bytes("back")))).contains(bytes("2"));
  }

  @Test
  void operationsAfterCloseFailCleanlyAndCloseIsIdempotent() throws Exception {
    KvStore other = reopen();
    commit(WriteBatch.builder().put(bytes("a"), bytes("1")).build());
    other.close();
    other.close();
    assertFailsWithClosed(other.get(bytes("a")));
    assertFailsWithClosed(other.scan(KeyRange.all(), 10, false));
    assertFailsWithClosed(other.write(WriteBatch.builder().put(bytes("b"), b()).build()));
    // Closing one handle leaves the others working.
    assertThat(await(store.get(bytes("a")))).contains(bytes("1"));
    commit(WriteBatch.builder().put(bytes("b"), bytes("2")).build());
    assertThat(await(store.get(bytes("b")))).contains(bytes("2"));
  }

  // ---------------------------------------------------------------- helpers

  /** Waits for a storage call, bounded by {@link #CALL_TIMEOUT}, rethrowing its failure. */
  protected static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("storage call did not complete within " + CALL_TIMEOUT, e);
    }
  }

  /** Writes a batch and asserts it committed. */
  protected final void commit(WriteBatch batch) {
    assertThat(await(store.write(batch))).isInstanceOf(WriteOutcome.Committed.class);
  }

  protected final List<KeyValue> scanAll(KeyRange range, int pageSize, boolean reverse) {
    List<KeyValue> out = new ArrayList<>();
    await(KvScans.forEach(store, range, pageSize, reverse, out::add));
    return out;
  }

  private static void assertFailsWithClosed(CompletableFuture<?> future) {
    assertThatThrownBy(() -> await(future)).isInstanceOf(KvClosedException.class);
  }

  private static List<byte[]> keys(List<KeyValue> entries) {
    return entries.stream().map(KeyValue::key).toList();
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  protected static byte[] b(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
