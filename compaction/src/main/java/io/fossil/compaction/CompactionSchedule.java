package io.fossil.compaction;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a pass every {@code interval} while this node leads the placement group (ADR 0021): only the
 * leader compacts on its own, so passes of several nodes do not race needlessly. The next tick is
 * scheduled {@code interval} after a tick has started its pass, not after the pass ends; a tick
 * that finds a pass still running logs that and waits for the next one. Thread-safe.
 */
final class CompactionSchedule implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CompactionSchedule.class);

  private final String nodeId;
  private final Duration interval;
  private final BooleanSupplier leads;
  private final Supplier<CompletableFuture<Compactor.Report>> pass;
  private final CompactionTimer timer;
  private Future<?> next; // guarded by this
  private boolean closed; // guarded by this

  /**
   * @param interval time between passes; zero schedules none
   * @param leads whether this node leads the placement group now
   * @param pass starts one pass
   */
  CompactionSchedule(
      String nodeId,
      Duration interval,
      BooleanSupplier leads,
      Supplier<CompletableFuture<Compactor.Report>> pass,
      CompactionTimer timer) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("the compaction interval must not be negative");
    }
    this.nodeId = nodeId;
    this.interval = interval;
    this.leads = leads;
    this.pass = pass;
    this.timer = timer;
  }

  /** Schedules the first pass one interval from now (none if the interval is zero). */
  synchronized void start() {
    if (!interval.isZero() && !closed && next == null) {
      scheduleNext();
    }
  }

  private synchronized void scheduleNext() {
    if (closed) {
      return;
    }
    try {
      next = timer.schedule(interval, this::tick);
    } catch (RejectedExecutionException e) {
      closed = true; // the node's timer is shutting down
    }
  }

  private void tick() {
    try {
      if (leads.getAsBoolean()) {
        pass.get().whenComplete(this::log);
      }
    } catch (RuntimeException e) { // a timer task must not throw: there would be no next tick
      log(null, e);
    } finally {
      scheduleNext();
    }
  }

  private void log(Compactor.Report report, Throwable error) {
    if (error != null) {
      LOG.debug("compaction pass on {} failed: {}", nodeId, error.toString());
    } else if (!report.compacted().isEmpty() || report.cursorsRewritten() > 0) {
      LOG.info(
          "compaction: {} runs, {} segments retired, {} stored cursors rewritten in {}"
              + " ms ({} ms of it paused to stay within its share){}",
          report.compacted().size(),
          report.segmentsRetired(),
          report.cursorsRewritten(),
          report.took().toMillis(),
          report.throttled().toMillis(),
          report.more() ? "; more next pass" : "");
    }
  }

  /** Cancels the next tick; a pass under way finishes. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    if (next != null) {
      next.cancel(false);
    }
  }
}
