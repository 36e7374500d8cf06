package io.fossil.compaction;

import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.reader.ConsumerCursors;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;

/**
 * A node's compaction (ADR 0021), in one place: passes on request ({@link #runNow}, {@code POST
 * /admin/compaction}), a pass every {@link Compactor.Options#interval} while this node leads the
 * placement group ({@link #start}), each throttled to {@link Compactor.Options#share} and ending
 * with the rewrite of the stored consumer cursors, and the {@code fossil_compaction_*} meters.
 *
 * <p>The constructor registers the meters and starts nothing; {@link #close} stops the schedule and
 * is idempotent. Thread-safe; futures complete on placement client, store or timer threads, so
 * callers must not block in their callbacks.
 */
public final class CompactionDriver implements AutoCloseable {

  /** What compaction needs from the placement group, as this node sees it. Thread-safe. */
  public interface Placement {

    /** The newest view this node has; never null. */
    PlacementView view();

    /** Sends a command to the placement group. */
    CompletableFuture<PlacementReply> submit(PlacementCommand command);

    /** A view at or above {@code version}, once this node has it. */
    CompletableFuture<PlacementView> awaitVersion(long version);

    /** Whether this node leads the placement group now: only the leader compacts on its own. */
    boolean leads();
  }

  private final Placement placement;
  private final Compactor compactor;
  private final CompactionSchedule schedule;

  /**
   * @param nodeId this node, for the log
   * @param cursors the stored consumer cursors a pass rewrites
   * @param timer the clock of the throttle and the schedule, and where their waits run
   * @param registry where the meters go
   */
  public CompactionDriver(
      String nodeId,
      Compactor.Options options,
      Placement placement,
      ConsumerCursors cursors,
      CompactionTimer timer,
      MeterRegistry registry) {
    this.placement = placement;
    StoredCursorRewrite rewrite = new StoredCursorRewrite(cursors);
    this.compactor =
        new Compactor(
            options,
            placement::view,
            placement::submit,
            placement::awaitVersion,
            rewrite::translateAll,
            timer);
    this.schedule =
        new CompactionSchedule(
            nodeId, options.interval(), placement::leads, compactor::runOnce, timer);
    CompactionMetrics.bind(this, compactor, registry);
  }

  Placement placement() {
    return placement;
  }

  /** Schedules the passes this node runs on its own (none if the interval is zero). */
  public void start() {
    schedule.start();
  }

  /**
   * One pass now: compacts up to {@link Compactor.Options#maxRunsPerPass} runs, then rewrites the
   * stored cursors. Completes exceptionally with {@link CompactionRunningException} if a pass is
   * already running on this node, or with the failure of a placement call or of the rewrite.
   */
  public CompletableFuture<Compactor.Report> runNow() {
    return compactor.runOnce();
  }

  /** Stops the schedule; a pass under way finishes. Idempotent. */
  @Override
  public void close() {
    schedule.close();
  }
}
