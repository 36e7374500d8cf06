package io.fossil.reader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvLimitExceededException;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.kv.tck.ForwardingKvStore;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors.CursorWrite;
import io.fossil.reader.ConsumerCursors.Translation;
import io.fossil.reader.ConsumerCursors.WaitResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stored consumer cursors on {@code mem:}: writes, compare-and-set, waits, translation
 * (compaction's rewrite of them is tested in the compaction module).
 */
class ConsumerCursorsTest {

  static final int TAG = Cursor.clusterTag("test-cluster");
  static final SegmentId OLD = new SegmentId(3, 0, -1L);
  static final SegmentId NEW = new SegmentId(9, 0, -1L);

  /** Far longer than any test: only a put on the same instance can end a wait. */
  static final Duration NO_POLL = Duration.ofHours(1);

  KvStore store;
  ConsumerCursors cursors;

  @BeforeEach
  void setUp() {
    store = KvStores.open("mem:");
    cursors = new ConsumerCursors(store, Translation.IDENTITY, NO_POLL);
  }

  @AfterEach
  void tearDown() {
    cursors.close();
    store.close();
  }

  static Cursor at(SegmentId segment, long counter) {
    return new Cursor(TAG, List.of(new Cursor.Entry(segment, counter)));
  }

  /** Compaction as a test sees it: OLD@c is NEW@(c + 100). */
  static Cursor compacted(Cursor c) {
    return new Cursor(
        c.clusterTag(),
        c.selectionTag(),
        c.entries().stream()
            .map(
                e ->
                    e.segment().equals(OLD)
                        ? new Cursor.Entry(NEW, e.counter() + 100)
                        : new Cursor.Entry(e.segment(), e.counter()))
            .toList());
  }

  static final Translation COMPACTED =
      new Translation(
          p -> p.segment().equals(OLD) ? new GlobalPosition(NEW, p.counter() + 100) : p,
          ConsumerCursorsTest::compacted);

  static <T> T done(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aPutCursorIsReadBackAndADeleteRemovesIt() throws Exception {
    assertThat(done(cursors.get("orders-view"))).isEmpty();
    assertThat(done(cursors.put("orders-view", at(OLD, 4))))
        .isEqualTo(new CursorWrite.Written(Optional.of(at(OLD, 4))));
    assertThat(done(cursors.get("orders-view"))).contains(at(OLD, 4));
    assertThat(done(cursors.get("orders-view2"))).isEmpty();

    assertThat(done(cursors.delete("orders-view")))
        .isEqualTo(new CursorWrite.Written(Optional.empty()));
    assertThat(done(cursors.get("orders-view"))).isEmpty();
    assertThat(done(cursors.delete("orders-view")))
        .isEqualTo(new CursorWrite.Written(Optional.empty()));
  }

  @Test
  void compareAndSetWritesOnlyOverTheExpectedCursor() throws Exception {
    assertThat(done(cursors.compareAndSet("c", Optional.empty(), at(OLD, 1))))
        .isEqualTo(new CursorWrite.Written(Optional.of(at(OLD, 1))));
    assertThat(done(cursors.compareAndSet("c", Optional.empty(), at(OLD, 2))))
        .isEqualTo(new CursorWrite.Conflict(Optional.of(at(OLD, 1))));
    assertThat(done(cursors.compareAndSet("c", Optional.of(at(OLD, 1)), at(OLD, 2))))
        .isEqualTo(new CursorWrite.Written(Optional.of(at(OLD, 2))));
    assertThat(done(cursors.compareAndSet("c", Optional.of(at(OLD, 1)), at(OLD, 3))))
        .isEqualTo(new CursorWrite.Conflict(Optional.of(at(OLD, 2))));
    assertThat(done(cursors.compareAndSet("absent", Optional.of(at(OLD, 1)), at(OLD, 3))))
        .isEqualTo(new CursorWrite.Conflict(Optional.empty()));
    assertThat(done(cursors.get("c"))).contains(at(OLD, 2));
    assertThat(done(cursors.get("absent"))).isEmpty();
  }

  @Test
  void badNamesAreRefusedAtOnce() {
    for (String name :
        List.of("", "x".repeat(201), "a b", "a/b", ".hidden", "-x", "é", "a\u0000")) {
      assertThatThrownBy(() -> cursors.put(name, at(OLD, 1)))
          .as(name)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("a consumer name");
    }
    ConsumerCursors.checkName("x".repeat(200));
    ConsumerCursors.checkName("read-model_v2.orders:eu");
  }

  @Test
  void aPutOnThisInstanceWakesAWaitAtOnce() throws Exception {
    done(cursors.put("view", at(OLD, 1)));
    CompletableFuture<WaitResult> wait =
        cursors.await("view", new GlobalPosition(OLD, 5), Duration.ofSeconds(30));
    done(cursors.put("view", at(OLD, 4)));
    assertThat(wait).isNotDone();
    assertThat(cursors.waiting()).isEqualTo(1);

    done(cursors.put("view", at(OLD, 5)));
    assertThat(done(wait)).isEqualTo(new WaitResult(true, Optional.of(at(OLD, 5))));
    assertThat(cursors.waiting()).isZero();
  }

  @Test
  void aWaitSeesWhatAnotherNodeStoredByPolling() throws Exception {
    try (ConsumerCursors otherNode = new ConsumerCursors(store);
        ConsumerCursors polling =
            new ConsumerCursors(store, Translation.IDENTITY, Duration.ofMillis(10))) {
      CompletableFuture<WaitResult> wait =
          polling.await("view", new GlobalPosition(OLD, 5), Duration.ofSeconds(30));
      CompletableFuture<WaitResult> notPolling =
          cursors.await("view", new GlobalPosition(OLD, 5), Duration.ofSeconds(30));
      done(otherNode.put("view", at(OLD, 7)));
      assertThat(done(wait)).isEqualTo(new WaitResult(true, Optional.of(at(OLD, 7))));
      assertThat(notPolling).isNotDone();
      notPolling.cancel(false);
    }
  }

  @Test
  void aWaitAlreadyReachedAnswersFromTheFirstRead() throws Exception {
    done(cursors.put("view", at(OLD, 9)));
    assertThat(done(cursors.await("view", new GlobalPosition(OLD, 9), Duration.ofSeconds(30))))
        .isEqualTo(new WaitResult(true, Optional.of(at(OLD, 9))));
    assertThat(done(cursors.await("view", new GlobalPosition(OLD, 10), Duration.ZERO)))
        .isEqualTo(new WaitResult(false, Optional.of(at(OLD, 9))));
  }

  @Test
  void aWaitEndsAtItsTimeoutWithTheLatestCursor() throws Exception {
    long start = System.nanoTime();
    CompletableFuture<WaitResult> wait =
        cursors.await("view", new GlobalPosition(OLD, 5), Duration.ofMillis(200));
    done(cursors.put("view", at(OLD, 2)));
    assertThat(done(wait)).isEqualTo(new WaitResult(false, Optional.of(at(OLD, 2))));
    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(elapsed).isBetween(200L, 5_000L);
    assertThat(cursors.waiting()).isZero();

    assertThat(
            done(cursors.await("never-stored", new GlobalPosition(OLD, 0), Duration.ofMillis(1))))
        .isEqualTo(new WaitResult(false, Optional.empty()));
  }

  @Test
  void cancellingAWaitForgetsIt() throws Exception {
    CompletableFuture<WaitResult> wait =
        cursors.await("view", new GlobalPosition(OLD, 5), Duration.ofSeconds(30));
    assertThat(cursors.waiting()).isEqualTo(1);
    wait.cancel(false);
    assertThat(cursors.waiting()).isZero();
    done(cursors.put("view", at(OLD, 5))); // nobody left to wake
  }

  @Test
  void aWaitOnAStoreThatNeverAnswersFailsAtItsTimeout() throws Exception {
    KvStore silent =
        new ForwardingKvStore(store) {
          @Override
          public CompletableFuture<Optional<byte[]>> get(byte[] key) {
            return new CompletableFuture<>();
          }
        };
    try (ConsumerCursors hanging = new ConsumerCursors(silent, Translation.IDENTITY, NO_POLL)) {
      CompletableFuture<WaitResult> wait =
          hanging.await("view", new GlobalPosition(OLD, 5), Duration.ofMillis(100));
      assertThatThrownBy(() -> done(wait)).hasCauseInstanceOf(TimeoutException.class);
    }
  }

  @Test
  void aFirstReadThatAnswersJustAfterTheTimeoutEndsTheWaitWithItsCursor() throws Exception {
    done(cursors.put("view", at(OLD, 2)));
    KvStore slow =
        new ForwardingKvStore(store) {
          @Override
          public CompletableFuture<Optional<byte[]>> get(byte[] key) {
            // Answers well after the wait's 1 ms timeout, well within the grace.
            return delegate
                .get(key)
                .thenApplyAsync(
                    v -> v, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
          }
        };
    try (ConsumerCursors busy = new ConsumerCursors(slow, Translation.IDENTITY, NO_POLL)) {
      assertThat(done(busy.await("view", new GlobalPosition(OLD, 5), Duration.ofMillis(1))))
          .isEqualTo(new WaitResult(false, Optional.of(at(OLD, 2))));
    }
  }

  @Test
  void closingFailsTheWaitsInProgress() {
    CompletableFuture<WaitResult> wait =
        cursors.await("view", new GlobalPosition(OLD, 5), Duration.ofSeconds(30));
    cursors.close();
    assertThat(wait).isCompletedExceptionally();
    assertThatThrownBy(
            () -> done(cursors.await("view", new GlobalPosition(OLD, 5), Duration.ofSeconds(1))))
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void translationAppliesToStoredCursorsToComparisonsAndToWaitedPositions() throws Exception {
    // Stored before the compaction, not rewritten yet.
    done(cursors.put("view", at(OLD, 4)));
    try (ConsumerCursors after = new ConsumerCursors(store, COMPACTED, NO_POLL)) {
      assertThat(done(after.get("view"))).contains(at(NEW, 104));
      // A client that read the translated form may compare with it.
      assertThat(done(after.compareAndSet("view", Optional.of(at(NEW, 104)), at(NEW, 110))))
          .isEqualTo(new CursorWrite.Written(Optional.of(at(NEW, 110))));
      // So may a client that still holds the old form; and what it stores is translated.
      assertThat(done(after.compareAndSet("view", Optional.of(at(OLD, 10)), at(OLD, 12))))
          .isEqualTo(new CursorWrite.Written(Optional.of(at(NEW, 112))));
      assertThat(done(cursors.get("view"))).contains(at(NEW, 112));
      // A position written before the compaction is found in the compacted segment.
      assertThat(done(after.await("view", new GlobalPosition(OLD, 12), Duration.ZERO)).reached())
          .isTrue();
      assertThat(done(after.await("view", new GlobalPosition(OLD, 13), Duration.ZERO)).reached())
          .isFalse();
    }
  }

  @Test
  void anUnknownOutcomeIsSettledByReadingBack() throws Exception {
    // The write applies but the store cannot confirm it: a read shows it did.
    KvStore appliedButUnknown =
        new ForwardingKvStore(store) {
          @Override
          public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
            return super.write(batch).thenApply(o -> new WriteOutcome.Unknown("timed out", null));
          }
        };
    // The write does not apply (yet): it stays unknown.
    KvStore lostAndUnknown =
        new ForwardingKvStore(store) {
          @Override
          public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
            return CompletableFuture.completedFuture(new WriteOutcome.Unknown("timed out", null));
          }
        };
    try (ConsumerCursors applied = new ConsumerCursors(appliedButUnknown);
        ConsumerCursors lost = new ConsumerCursors(lostAndUnknown)) {
      assertThat(done(applied.put("view", at(OLD, 1))))
          .isEqualTo(new CursorWrite.Written(Optional.of(at(OLD, 1))));
      assertThat(done(lost.put("view", at(OLD, 2))))
          .isEqualTo(new CursorWrite.Unknown("timed out"));
      assertThat(done(lost.compareAndSet("view", Optional.of(at(OLD, 1)), at(OLD, 2))))
          .isEqualTo(new CursorWrite.Unknown("timed out"));
      assertThat(done(lost.delete("view"))).isEqualTo(new CursorWrite.Unknown("timed out"));
      assertThat(done(cursors.get("view"))).contains(at(OLD, 1));
      assertThat(done(applied.delete("view"))).isEqualTo(new CursorWrite.Written(Optional.empty()));
    }
  }

  @Test
  void aCursorTooLargeForOneWriteIsRefusedAtOnceAndNothingIsStored() throws Exception {
    try (KvStore small = KvStores.open("mem:?maxValueBytes=1024");
        ConsumerCursors limited = new ConsumerCursors(small)) {
      List<Cursor.Entry> entries = new java.util.ArrayList<>();
      for (int i = 1; i <= 500; i++) {
        entries.add(new Cursor.Entry(new SegmentId(i, 0, -1L), i));
      }
      Cursor huge = new Cursor(TAG, entries);
      assertThatThrownBy(() -> limited.put("view", huge))
          .isInstanceOf(KvLimitExceededException.class);
      assertThatThrownBy(() -> limited.compareAndSet("view", Optional.empty(), huge))
          .isInstanceOf(KvLimitExceededException.class);
      assertThat(done(limited.get("view"))).isEmpty();
    }
  }
}
