package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import io.fossil.kv.KvClosedException;
import io.fossil.kv.KvException;
import io.fossil.kv.KvLimitExceededException;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FdbKvStore} against {@link FakeFdb} with injected FoundationDB errors: what reaches the
 * caller for each kind of failure, and what reaches the database.
 */
class FdbKvStoreTest {

  private static final Duration BOUND = Duration.ofSeconds(30);

  private final FakeFdb fdb = new FakeFdb();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger releases = new AtomicInteger();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private FdbKvStore open(String uri) {
    FdbStoreConfig config = FdbStoreConfig.parse(uri);
    return new FdbKvStore(
        fdb.database(),
        executor,
        config,
        FdbRetryLoop.standard(config.operationTimeout(), executor),
        releases::incrementAndGet);
  }

  private final FdbKvStore store = open("fdb:?prefix=t");

  @Test
  void aConflictAtCommitIsRetriedAndTheBatchApplies() {
    fdb.failNextCommit(FdbErrors.NOT_COMMITTED, false);
    assertThat(await(store.write(putIfAbsent("k", "v")))).isEqualTo(WriteOutcome.COMMITTED);
    assertThat(await(store.get(bytes("k")))).contains(bytes("v"));
    assertThat(fdb.commits()).isEqualTo(2);
  }

  @Test
  void aRealConflictOnAPreconditionKeyIsSeenOnTheRetry() {
    // Another writer creates "k" between our read of it and our commit: FoundationDB's read
    // conflict check refuses our commit, and the retry finds the precondition broken.
    FdbKvStore other = open("fdb:?prefix=t");
    fdb.beforeNextCommit(
        () -> assertThat(await(other.write(put("k", "theirs")))).isEqualTo(WriteOutcome.COMMITTED));
    WriteOutcome outcome =
        await(
            store.write(
                WriteBatch.builder()
                    .requireAbsent(bytes("k"))
                    .put(bytes("k"), bytes("mine"))
                    .put(bytes("k2"), bytes("mine"))
                    .build()));
    assertThat(outcome).isInstanceOf(WriteOutcome.PreconditionFailed.class);
    assertThat(((WriteOutcome.PreconditionFailed) outcome).keys()).containsExactly(bytes("k"));
    assertThat(await(store.get(bytes("k")))).contains(bytes("theirs"));
    assertThat(await(store.get(bytes("k2")))).isEmpty();
  }

  @Test
  void commitUnknownResultIsUnknownAndResubmittingResolvesIt() {
    fdb.failNextCommit(FdbErrors.COMMIT_UNKNOWN_RESULT, true); // it did apply
    WriteOutcome outcome = await(store.write(putIfAbsent("k", "v")));
    assertThat(outcome).isInstanceOf(WriteOutcome.Unknown.class);
    assertThat(((WriteOutcome.Unknown) outcome).reason()).contains("may still apply");
    assertThat(fdb.commits()).as("never retried by the store").isEqualTo(1);
    // ADR 0002's resolution: the same batch again; its precondition shows it had applied.
    assertThat(await(store.write(putIfAbsent("k", "v"))))
        .isInstanceOf(WriteOutcome.PreconditionFailed.class);
    assertThat(await(store.get(bytes("k")))).contains(bytes("v"));
  }

  @Test
  void anUnknownResultThatDidNotApplyLeavesNothing() {
    fdb.failNextCommit(FdbErrors.COMMIT_UNKNOWN_RESULT, false);
    assertThat(await(store.write(putIfAbsent("k", "v")))).isInstanceOf(WriteOutcome.Unknown.class);
    assertThat(await(store.get(bytes("k")))).isEmpty();
    assertThat(await(store.write(putIfAbsent("k", "v")))).isEqualTo(WriteOutcome.COMMITTED);
  }

  @Test
  void aTimeoutDuringCommitIsUnknownButDuringReadsIsRetried() {
    fdb.failNextCommit(FdbErrors.TRANSACTION_TIMED_OUT, false);
    assertThat(await(store.write(putIfAbsent("a", "1")))).isInstanceOf(WriteOutcome.Unknown.class);

    fdb.failNextRead(FdbErrors.TRANSACTION_TIMED_OUT);
    assertThat(await(store.write(putIfAbsent("b", "1")))).isEqualTo(WriteOutcome.COMMITTED);

    fdb.failNextRead(1007); // transaction_too_old
    assertThat(await(store.get(bytes("b")))).contains(bytes("1"));
    fdb.failNextRead(1037); // process_behind
    assertThat(await(store.scan(KeyRange.all(), 10, false)).entries()).hasSize(1);
  }

  @Test
  void errorsThatCertainlyDidNotCommitFailWithKvException() {
    fdb.failNextRead(4100); // internal_error while reading: nothing was sent
    assertThatThrownBy(() -> await(store.write(putIfAbsent("k", "v"))))
        .isInstanceOf(KvException.class)
        .hasMessageContaining("FoundationDB write failed");
    fdb.failNextCommit(2101, false); // transaction_too_large, refused by the client
    assertThatThrownBy(() -> await(store.write(putIfAbsent("k", "v"))))
        .isInstanceOf(KvException.class)
        .hasMessageContaining("transaction_too_large (2101)");
    fdb.failNextRead(4100);
    assertThatThrownBy(() -> await(store.get(bytes("k")))).isInstanceOf(KvException.class);
    assertThat(await(store.get(bytes("k")))).isEmpty();
  }

  @Test
  void anUnrecognizedErrorAfterTheCommitWasSentIsUnknown() {
    fdb.failNextCommit(4100, true);
    assertThat(await(store.write(putIfAbsent("k", "v")))).isInstanceOf(WriteOutcome.Unknown.class);
  }

  @Test
  void endlessConflictsEndAtTheOperationDeadlineWithNothingCommitted() {
    FdbKvStore impatient = open("fdb:?prefix=t&transactionTimeout=100ms&operationTimeout=300ms");
    for (int i = 0; i < 1000; i++) {
      fdb.failNextCommit(FdbErrors.NOT_COMMITTED, false);
    }
    assertThatThrownBy(() -> await(impatient.write(putIfAbsent("k", "v"))))
        .isInstanceOf(KvException.class)
        .hasMessageContaining("did not succeed within 300ms");
  }

  @Test
  void everyAttemptIsAFreshTransactionWithTheConfiguredTimeoutAndIsClosed() {
    FdbKvStore configured = open("fdb:?prefix=t&transactionTimeout=1500ms");
    fdb.failNextCommit(FdbErrors.NOT_COMMITTED, false);
    await(configured.write(put("k", "v")));
    await(configured.get(bytes("k")));
    await(configured.scan(KeyRange.all(), 1, false));
    assertThat(fdb.createdTransactions()).isEqualTo(4);
    assertThat(fdb.timeouts()).containsOnly(1500L).hasSize(4);
    assertThat(fdb.openTransactions()).isZero();
  }

  @Test
  void keysAreStoredUnderThePrefixAndPrefixesAreIsolated() {
    FdbKvStore a = open("fdb:?prefix=a");
    FdbKvStore ab = open("fdb:?prefix=ab");
    FdbKvStore aSlashB = open("fdb:?prefix=a/b");
    await(a.write(put("", "empty key")));
    await(a.write(put("b", "in a")));
    await(ab.write(put("x", "in ab")));
    await(aSlashB.write(put("y", "in a/b")));

    assertThat(fdb.liveKeys())
        .extracting(Keys::toString)
        .containsExactlyInAnyOrder(
            "\"\\x02a\\x00\"", "\"\\x02a\\x00b\"", "\"\\x02a/b\\x00y\"", "\"\\x02ab\\x00x\"");
    assertThat(await(a.scan(KeyRange.all(), 100, false)).entries())
        .extracting(kv -> new String(kv.key(), StandardCharsets.UTF_8))
        .containsExactly("", "b");
    assertThat(await(ab.scan(KeyRange.all(), 100, true)).entries()).hasSize(1);
    assertThat(await(aSlashB.get(bytes("y")))).contains(bytes("in a/b"));
    assertThat(await(ab.get(bytes("b")))).isEmpty();
  }

  @Test
  void scansAskForOneRowMoreToKnowWhetherTheRangeGoesOn() {
    for (int i = 0; i < 5; i++) {
      await(store.write(put("k" + i, "v")));
    }
    assertThat(await(store.scan(KeyRange.all(), 5, false)).rest()).isEmpty();
    assertThat(await(store.scan(KeyRange.all(), 4, false)).rest())
        .contains(KeyRange.of(bytes("k3\0"), null));
    assertThat(await(store.scan(KeyRange.all(), 4, true)).rest())
        .contains(KeyRange.of(new byte[0], bytes("k1")));
    assertThat(await(store.scan(KeyRange.all(), Integer.MAX_VALUE, false)).entries()).hasSize(5);
    assertThat(await(store.scan(KeyRange.of(bytes("k2"), bytes("k2")), 3, false)).entries())
        .isEmpty();
  }

  @Test
  void limitsAreCheckedBeforeAnythingIsSent() {
    assertThat(store.limits().maxKeyBytes()).isEqualTo(10_000 - 3); // prefix "t" = 02 74 00
    assertThatThrownBy(
            () -> store.write(WriteBatch.builder().put(new byte[9_998], new byte[0]).build()))
        .isInstanceOf(KvLimitExceededException.class);
    assertThat(fdb.createdTransactions()).isZero();
  }

  @Test
  void closeLetsOperationsUnderWayFinishThenReleasesTheDatabaseOnce() throws Exception {
    CompletableFuture<Void> gate = fdb.holdNextCommit();
    CompletableFuture<WriteOutcome> inFlight = store.write(put("k", "v"));
    store.close();
    store.close();
    assertThat(releases).as("released while a write was under way").hasValue(0);
    assertThatThrownBy(() -> await(store.get(bytes("k")))).isInstanceOf(KvClosedException.class);
    assertThatThrownBy(() -> await(store.write(put("x", "y"))))
        .isInstanceOf(KvClosedException.class);
    assertThatThrownBy(() -> await(store.scan(KeyRange.all(), 1, false)))
        .isInstanceOf(KvClosedException.class);
    assertThat(inFlight).isNotDone();

    gate.complete(null);
    assertThat(await(inFlight)).isEqualTo(WriteOutcome.COMMITTED);
    assertThat(releases).hasValue(1);
    store.close();
    assertThat(releases).hasValue(1);

    FdbKvStore other = open("fdb:?prefix=t");
    assertThat(await(other.get(bytes("k")))).contains(bytes("v"));
  }

  @Test
  void anIdleHandleReleasesAtOnce() {
    FdbKvStore idle = open("fdb:?prefix=idle");
    idle.close();
    assertThat(releases).hasValue(1);
  }

  private static WriteBatch putIfAbsent(String key, String value) {
    return WriteBatch.builder().requireAbsent(bytes(key)).put(bytes(key), bytes(value)).build();
  }

  private static WriteBatch put(String key, String value) {
    return WriteBatch.builder().put(bytes(key), bytes(value)).build();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }
}
