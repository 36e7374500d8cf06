package io.fossil.compaction;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A {@link CompactionTimer} whose clock moves only when a test says so: scheduled tasks run on the
 * test's thread, in the order they are due, as the test advances the clock.
 */
final class ManualTimer implements CompactionTimer {

  private record Task(long due, long order, Runnable run, CompletableFuture<Void> handle) {}

  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(
          (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
  private long now = 1_000_000_000L;
  private long scheduled;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Future<?> schedule(Duration delay, Runnable task) {
    CompletableFuture<Void> handle = new CompletableFuture<>();
    tasks.add(new Task(now + delay.toNanos(), scheduled++, task, handle));
    return handle;
  }

  /** Moves the clock to the earliest task and runs it; false if none is scheduled. */
  boolean runNext() {
    Task next;
    synchronized (this) {
      next = tasks.poll();
      if (next == null) {
        return false;
      }
      now = Math.max(now, next.due);
    }
    if (!next.handle.isCancelled()) {
      next.run.run();
      next.handle.complete(null);
    }
    return true;
  }

  /** Runs every task due within {@code d}, in order, and leaves the clock {@code d} later. */
  void advance(Duration d) {
    long until;
    synchronized (this) {
      until = now + d.toNanos();
    }
    while (true) {
      synchronized (this) {
        Task next = tasks.peek();
        if (next == null || next.due > until) {
          now = until;
          return;
        }
      }
      runNext();
    }
  }

  /** Tasks not run yet (cancelled ones included). */
  synchronized int pending() {
    return tasks.size();
  }
}
