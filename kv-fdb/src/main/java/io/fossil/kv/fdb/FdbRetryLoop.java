package io.fossil.kv.fdb;

import io.fossil.kv.KvException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Our own retry loop around FoundationDB transactions, used instead of {@code Database.run} and
 * {@code runAsync}: those retry {@code commit_unknown_result} silently, which would hide the
 * unknown outcomes Fossil must resolve itself (DESIGN invariant 7, ADR 0006).
 *
 * <p>Each attempt runs one transaction and says, through its {@link CommitSent}, whether it had
 * called {@code commit()} when it failed. {@link FdbErrors} turns the failure into a verdict: retry
 * after an exponential back-off with jitter (10 ms doubling to 1 s, FoundationDB's own defaults)
 * while the operation's deadline allows, report an unknown outcome, or fail with a {@link
 * KvException} (which promises that nothing was committed). Thread-safe; attempts run on whatever
 * thread completes the previous one or on the scheduler's executor.
 */
final class FdbRetryLoop {

  /** Runs a task after a delay; production uses {@link CompletableFuture#delayedExecutor}. */
  interface Scheduler {
    void schedule(Runnable task, long delayNanos);
  }

  /** One attempt: runs a fresh transaction and completes with its result or its failure. */
  interface Attempt<T> {
    CompletableFuture<T> run(CommitSent commit);
  }

  /** Set by an attempt just before it calls {@code commit()}. */
  static final class CommitSent {
    private volatile boolean sent;

    void mark() {
      sent = true;
    }

    FdbErrors.Phase phase() {
      return sent ? FdbErrors.Phase.COMMIT : FdbErrors.Phase.BEFORE_COMMIT;
    }
  }

  static final Duration INITIAL_BACKOFF = Duration.ofMillis(10);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

  private final Duration operationTimeout;
  private final long initialBackoffNanos;
  private final long maxBackoffNanos;
  private final LongSupplier nanoClock;
  private final DoubleSupplier random;
  private final Scheduler scheduler;

  FdbRetryLoop(
      Duration operationTimeout,
      Duration initialBackoff,
      Duration maxBackoff,
      LongSupplier nanoClock,
      DoubleSupplier random,
      Scheduler scheduler) {
    this.operationTimeout = operationTimeout;
    this.initialBackoffNanos = initialBackoff.toNanos();
    this.maxBackoffNanos = maxBackoff.toNanos();
    this.nanoClock = nanoClock;
    this.random = random;
    this.scheduler = scheduler;
  }

  /**
   * The production loop: system clock, thread-local randomness, retries run on {@code executor}.
   */
  static FdbRetryLoop standard(Duration operationTimeout, Executor executor) {
    return new FdbRetryLoop(
        operationTimeout,
        INITIAL_BACKOFF,
        MAX_BACKOFF,
        System::nanoTime,
        () -> ThreadLocalRandom.current().nextDouble(),
        (task, delayNanos) ->
            CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, executor)
                .execute(task));
  }

  /**
   * Runs {@code attempt} until it succeeds, fails for good, or the deadline passes.
   *
   * @param operation what is being done, for messages ("write", "scan")
   * @param onUnknown builds the result for a commit whose outcome is unknown; null for read-only
   *     operations, which never send a commit
   * @return completes with the attempt's value, {@code onUnknown}'s value, or exceptionally with a
   *     {@link KvException} when nothing was committed
   */
  <T> CompletableFuture<T> run(
      String operation, Attempt<T> attempt, Function<Throwable, T> onUnknown) {
    CompletableFuture<T> result = new CompletableFuture<>();
    long deadline = nanoClock.getAsLong() + operationTimeout.toNanos();
    new Run<>(operation, attempt, onUnknown, result, deadline).next(0);
    return result;
  }

  /** The back-off before attempt {@code retry + 1}: half fixed, half random, capped. */
  long backoffNanos(int retry) {
    long base =
        retry >= 30 ? maxBackoffNanos : Math.min(maxBackoffNanos, initialBackoffNanos << retry);
    return base / 2 + (long) (random.getAsDouble() * (base / 2));
  }

  private final class Run<T> {
    private final String operation;
    private final Attempt<T> attempt;
    private final Function<Throwable, T> onUnknown;
    private final CompletableFuture<T> result;
    private final long deadline;

    Run(
        String operation,
        Attempt<T> attempt,
        Function<Throwable, T> onUnknown,
        CompletableFuture<T> result,
        long deadline) {
      this.operation = operation;
      this.attempt = attempt;
      this.onUnknown = onUnknown;
      this.result = result;
      this.deadline = deadline;
    }

    void next(int retry) {
      CommitSent commit = new CommitSent();
      CompletableFuture<T> outcome;
      try {
        outcome = attempt.run(commit);
      } catch (RuntimeException e) {
        outcome = CompletableFuture.failedFuture(e);
      }
      outcome.whenComplete(
          (value, error) -> {
            if (error == null) {
              result.complete(value);
              return;
            }
            try {
              failed(retry, FdbErrors.unwrap(error), commit.phase());
            } catch (RuntimeException e) {
              // E.g. a rejected retry task: the caller must not wait forever, and a commit that
              // was sent must not be reported as certainly failed.
              e.addSuppressed(error);
              if (commit.phase() == FdbErrors.Phase.COMMIT && onUnknown != null) {
                result.complete(onUnknown.apply(e));
              } else {
                result.completeExceptionally(
                    new KvException("FoundationDB " + operation + " failed", e));
              }
            }
          });
    }

    private void failed(int retry, Throwable error, FdbErrors.Phase phase) {
      FdbErrors.Verdict verdict = FdbErrors.classify(error, phase);
      if (verdict == FdbErrors.Verdict.UNKNOWN && onUnknown != null) {
        result.complete(onUnknown.apply(error));
      } else if (verdict == FdbErrors.Verdict.RETRY) {
        long delay = backoffNanos(retry);
        if (nanoClock.getAsLong() + delay - deadline >= 0) {
          result.completeExceptionally(
              new KvException(
                  "FoundationDB "
                      + operation
                      + " did not succeed within "
                      + FdbStoreConfig.format(operationTimeout)
                      + " ("
                      + FdbStoreConfig.OPERATION_TIMEOUT
                      + "); nothing was committed; last error: "
                      + FdbErrors.describe(error),
                  error));
        } else {
          scheduler.schedule(() -> next(retry + 1), delay);
        }
      } else if (error instanceof KvException kv) {
        result.completeExceptionally(kv);
      } else {
        result.completeExceptionally(
            new KvException(
                "FoundationDB " + operation + " failed: " + FdbErrors.describe(error), error));
      }
    }
  }
}
