package io.fossil.compaction;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The time the compaction driver reads and the waits it schedules: the throttle's pauses between
 * commands and the schedule's passes. {@link #system} is the real one; tests drive a manual one, so
 * they assert the pauses exactly and wait for nothing. Implementations are thread-safe.
 */
public interface CompactionTimer {

  /** A monotonic clock in nanoseconds, with {@link System#nanoTime()}'s meaning. */
  long nanoTime();

  /**
   * Runs {@code task} once, after {@code delay}, on a thread of this timer; the task must not
   * block. Cancelling the returned future keeps a task that has not started from running.
   *
   * @throws RejectedExecutionException if the timer has been shut down
   */
  Future<?> schedule(Duration delay, Runnable task);

  /** {@link System#nanoTime()}, and tasks run on {@code scheduler}'s threads. */
  static CompactionTimer system(ScheduledExecutorService scheduler) {
    return new CompactionTimer() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public Future<?> schedule(Duration delay, Runnable task) {
        return scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      }
    };
  }
}
