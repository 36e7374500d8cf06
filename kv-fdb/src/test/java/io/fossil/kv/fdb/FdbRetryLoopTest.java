package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.apple.foundationdb.FDBException;
import io.fossil.kv.KvException;
import io.fossil.kv.WriteOutcome;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The retry loop on a simulated clock: the scheduler advances time instead of waiting, so every
 * back-off and deadline is checked exactly and instantly.
 */
class FdbRetryLoopTest {

  private long now;
  private double random = 0.5;
  private final List<Long> delays = new ArrayList<>();
  private boolean rejectSchedules;

  private final FdbRetryLoop loop =
      new FdbRetryLoop(
          Duration.ofSeconds(5),
          Duration.ofMillis(10),
          Duration.ofSeconds(1),
          () -> now,
          () -> random,
          (task, delayNanos) -> {
            if (rejectSchedules) {
              throw new RejectedExecutionException("shut down");
            }
            delays.add(delayNanos);
            now += delayNanos;
            task.run();
          });

  /** An attempt that fails with the queued codes (at commit when marked so), then succeeds. */
  private final class Script implements FdbRetryLoop.Attempt<String> {
    final Deque<int[]> failures = new ArrayDeque<>(); // {code, 1 = during commit}
    final AtomicInteger attempts = new AtomicInteger();

    Script fail(int code, boolean duringCommit) {
      failures.add(new int[] {code, duringCommit ? 1 : 0});
      return this;
    }

    @Override
    public CompletableFuture<String> run(FdbRetryLoop.CommitSent commit) {
      attempts.incrementAndGet();
      int[] next = failures.poll();
      if (next == null) {
        return CompletableFuture.completedFuture("done");
      }
      if (next[1] == 1) {
        commit.mark();
      }
      return CompletableFuture.failedFuture(new FDBException("injected", next[0]));
    }
  }

  @Test
  void aFirstAttemptThatSucceedsIsNotRetried() throws Exception {
    Script script = new Script();
    assertThat(loop.run("write", script, this::unknown).get()).isEqualTo("done");
    assertThat(script.attempts).hasValue(1);
    assertThat(delays).isEmpty();
  }

  @Test
  void conflictsAndOtherRetryableErrorsAreRetriedWithGrowingBackoff() throws Exception {
    Script script =
        new Script()
            .fail(1020, true) // not_committed at commit
            .fail(1007, false) // transaction_too_old while reading
            .fail(1213, false) // tag_throttled
            .fail(1031, false) // timed out while reading: nothing was sent
            .fail(1021, false); // commit_unknown_result before commit: fdb_c calls it retryable
    assertThat(loop.run("write", script, this::unknown).get()).isEqualTo("done");
    assertThat(script.attempts).hasValue(6);
    // random = 0.5: half fixed plus a quarter: 0.75 of 10, 20, 40, 80, 160 ms
    assertThat(delays).containsExactly(ms(7.5), ms(15), ms(30), ms(60), ms(120));
  }

  @Test
  void backoffIsCappedAndJittered() {
    random = 0.0;
    assertThat(loop.backoffNanos(0)).isEqualTo(ms(5));
    assertThat(loop.backoffNanos(20)).isEqualTo(ms(500));
    assertThat(loop.backoffNanos(1000)).isEqualTo(ms(500));
    random = 0.999999;
    assertThat(loop.backoffNanos(1000)).isLessThan(ms(1000)).isGreaterThan(ms(999));
  }

  @Test
  void aCommitThatMayHaveAppliedIsReportedUnknownAndNeverRetried() throws Exception {
    for (int code : new int[] {1021, 1039, 1031, 1025, 1101, 1022, 4100}) {
      Script script = new Script().fail(code, true);
      List<Throwable> causes = new ArrayList<>();
      String result =
          loop.run(
                  "write",
                  script,
                  cause -> {
                    causes.add(cause);
                    return "unknown";
                  })
              .get();
      assertThat(result).as("code %d", code).isEqualTo("unknown");
      assertThat(causes)
          .singleElement()
          .isInstanceOfSatisfying(FDBException.class, e -> assertThat(e.getCode()).isEqualTo(code));
      assertThat(script.attempts).as("code %d", code).hasValue(1);
    }
  }

  @Test
  void aNonRetryableErrorBeforeCommitFailsWithAKvException() {
    Script script = new Script().fail(4100, false);
    assertThatThrownBy(() -> loop.run("write", script, this::unknown).get())
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(KvException.class)
        .hasMessageContaining("FoundationDB write failed: injected (4100)")
        .hasCauseInstanceOf(FDBException.class);
    assertThat(script.attempts).hasValue(1);
  }

  @Test
  void anErrorTheClientRaisedBeforeSendingFailsEvenDuringCommit() {
    Script script = new Script().fail(2101, true); // transaction_too_large
    assertThatThrownBy(() -> loop.run("write", script, this::unknown).get())
        .cause()
        .isInstanceOf(KvException.class)
        .hasMessageContaining("transaction_too_large (2101)");
  }

  @Test
  void retriesStopAtTheDeadlineAndSayNothingWasCommitted() {
    Script script = new Script();
    for (int i = 0; i < 1000; i++) {
      script.fail(1020, true);
    }
    assertThatThrownBy(() -> loop.run("write", script, this::unknown).get())
        .cause()
        .isInstanceOf(KvException.class)
        .hasMessageContaining("did not succeed within 5s (operationTimeout)")
        .hasMessageContaining("nothing was committed")
        .hasMessageContaining("not_committed (1020)");
    assertThat(now).isLessThanOrEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(script.attempts.get()).isBetween(8, 20);
  }

  @Test
  void anAttemptThatThrowsInsteadOfReturningAFutureIsHandled() {
    FdbRetryLoop.Attempt<String> throwing =
        commit -> {
          throw new IllegalStateException("database closed");
        };
    assertThatThrownBy(() -> loop.run("get", throwing, null).get())
        .cause()
        .isInstanceOf(KvException.class)
        .hasMessageContaining("IllegalStateException: database closed");
  }

  @Test
  void aReadOnlyOperationNeverReportsUnknown() {
    Script script = new Script().fail(1021, true); // cannot happen for reads; still no Unknown
    assertThatThrownBy(() -> loop.run("get", script, null).get())
        .cause()
        .isInstanceOf(KvException.class);
  }

  @Test
  void aRetryThatCannotBeScheduledAfterACommitIsUnknownNotAHang() throws Exception {
    rejectSchedules = true;
    WriteOutcome outcome =
        loop.run("write", new ScriptedOutcome(1020, true), this::unknownOutcome)
            .get(5, TimeUnit.SECONDS);
    assertThat(outcome).isInstanceOf(WriteOutcome.Unknown.class);
    assertThatThrownBy(
            () ->
                loop.run("write", new ScriptedOutcome(1020, false), this::unknownOutcome)
                    .get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(KvException.class);
  }

  private record ScriptedOutcome(int code, boolean duringCommit)
      implements FdbRetryLoop.Attempt<WriteOutcome> {
    @Override
    public CompletableFuture<WriteOutcome> run(FdbRetryLoop.CommitSent commit) {
      if (duringCommit) {
        commit.mark();
      }
      return CompletableFuture.failedFuture(new FDBException("injected", code));
    }
  }

  private String unknown(Throwable cause) {
    return "unknown";
  }

  private WriteOutcome unknownOutcome(Throwable cause) {
    return new WriteOutcome.Unknown("unknown", cause);
  }

  private static long ms(double millis) {
    return (long) (millis * 1_000_000);
  }
}
