package io.fossil.compaction;

import io.fossil.placement.Compaction;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Compacts the segment history (ADR 0021): finds the runs {@link Compaction#runs} allows, asks the
 * placement group to compact each one with one {@link PlacementCommand.Compact}, then rewrites the
 * stored consumer cursors that name retired segments. Nothing is copied: the events stay where they
 * were written and the compacted segment maps its counters onto them, so a pass costs a few Raft
 * commands and one scan of the stored cursors, whatever the amount of data.
 *
 * <p>A crash at any point is harmless: each command is applied whole or not at all, and a command
 * built from a stale view is refused by the state machine (its run no longer exists), so two
 * compactors racing across a leader change cannot interleave. Stored cursors not yet rewritten are
 * translated when read, for the grace period. One pass runs at a time per compactor.
 *
 * <p>A pass is throttled to a share of the node's time ({@link Options#share}): every command makes
 * each node apply it and rebuild its view on the cores that also serve appends, so after a command
 * that kept the pass busy for {@code t}, the next one waits {@code t * (1 - share) / share}. Long
 * runs are compacted in steps of {@link Options#maxSegmentsPerRun}, so the busy spells stay short
 * and the pauses between them give the appenders their share back. Time and the pauses come from a
 * {@link CompactionTimer}.
 *
 * <p>Thread-safe. Its futures complete on placement client threads or on the timer's threads, so
 * callers must not block in their callbacks. {@link CompactionDriver} runs it; outside this package
 * only its {@link Options} and {@link Report} are used.
 */
public final class Compactor {

  /**
   * @param interval how often the placement leader runs a pass (zero: never on its own)
   * @param translationGrace how long cursors and positions naming retired segments keep working
   * @param maxRunsPerPass compaction commands one pass may send, to bound its placement traffic
   * @param maxSegmentsPerRun members per command, so a command stays a small Raft entry and a short
   *     busy spell; a longer run is compacted in steps, each extending the compacted segment
   * @param share the largest fraction of the time a pass spends busy with its commands, in (0, 1];
   *     1 sends them back to back
   */
  public record Options(
      Duration interval,
      Duration translationGrace,
      int maxRunsPerPass,
      int maxSegmentsPerRun,
      double share) {

    public static final Options DEFAULTS =
        new Options(Duration.ofMinutes(5), Duration.ofDays(7), 64, 100, 0.1);

    public Options {
      if (interval.isNegative() || translationGrace.isNegative()) {
        throw new IllegalArgumentException("compaction durations must not be negative");
      }
      if (maxRunsPerPass < 1 || maxSegmentsPerRun < 2) {
        throw new IllegalArgumentException(
            "a compaction pass needs at least 1 run of at least 2 segments");
      }
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException(
            "the compaction share must be above 0 and at most 1, not " + share);
      }
    }

    /** These options with another share. */
    public Options withShare(double share) {
      return new Options(interval, translationGrace, maxRunsPerPass, maxSegmentsPerRun, share);
    }

    /** How long to wait after a command that kept the pass busy for {@code busy}. */
    Duration pauseAfter(Duration busy) {
      return share >= 1
          ? Duration.ZERO
          : Duration.ofNanos((long) (busy.toNanos() * (1 - share) / share));
    }
  }

  /** What one pass did. */
  public record Report(
      List<SegmentId> compacted,
      int segmentsRetired,
      List<String> refused,
      int cursorsRewritten,
      boolean more,
      Duration took,
      Duration throttled) {}

  private final Options options;
  private final Supplier<PlacementView> view;
  private final Function<PlacementCommand, CompletableFuture<PlacementReply>> submit;
  private final Function<Long, CompletableFuture<PlacementView>> awaitVersion;
  private final Function<UnaryOperator<Cursor>, CompletableFuture<Integer>> rewriteCursors;
  private final CompactionTimer timer;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong runsCompacted = new AtomicLong();
  private final AtomicLong segmentsRetired = new AtomicLong();
  private final AtomicLong cursorsRewritten = new AtomicLong();

  /**
   * @param awaitVersion a view at or above the given version, once this node has it
   * @param rewriteCursors rewrites every stored consumer cursor with the given translation, giving
   *     how many changed
   * @param timer the clock that measures the busy spells and runs the pauses
   */
  Compactor(
      Options options,
      Supplier<PlacementView> view,
      Function<PlacementCommand, CompletableFuture<PlacementReply>> submit,
      Function<Long, CompletableFuture<PlacementView>> awaitVersion,
      Function<UnaryOperator<Cursor>, CompletableFuture<Integer>> rewriteCursors,
      CompactionTimer timer) {
    this.options = options;
    this.view = view;
    this.submit = submit;
    this.awaitVersion = awaitVersion;
    this.rewriteCursors = rewriteCursors;
    this.timer = timer;
  }

  /** Runs compacted since this node started. */
  long runsCompacted() {
    return runsCompacted.get();
  }

  /** Segments retired by this node's passes. */
  long segmentsRetired() {
    return segmentsRetired.get();
  }

  /** Stored consumer cursors rewritten by this node's passes. */
  long cursorsRewritten() {
    return cursorsRewritten.get();
  }

  /**
   * One pass: compacts up to {@link Options#maxRunsPerPass} runs, then rewrites stored cursors.
   * Completes exceptionally with {@link CompactionRunningException} if a pass is already running
   * here, or with the failure of a placement call or of the cursor rewrite.
   */
  CompletableFuture<Report> runOnce() {
    if (!running.compareAndSet(false, true)) {
      return CompletableFuture.failedFuture(new CompactionRunningException());
    }
    long started = timer.nanoTime();
    Pass pass = new Pass();
    // Planning the first step runs inside the future, so that a view or a plan that throws fails
    // this pass and still lets the next one run (whenComplete below resets the flag).
    return CompletableFuture.completedFuture(null)
        .thenCompose(x -> pass.next(view.get()))
        .thenCompose(
            v ->
                (v.history().retiredCount() == 0
                        ? CompletableFuture.completedFuture(0)
                        : rewriteCursors.apply(c -> v.history().translate(c)))
                    .thenApply(
                        n -> {
                          cursorsRewritten.addAndGet(n);
                          return new Report(
                              List.copyOf(pass.compacted),
                              pass.retired,
                              List.copyOf(pass.refused),
                              n,
                              pass.more,
                              Duration.ofNanos(timer.nanoTime() - started),
                              Duration.ofNanos(pass.throttledNanos));
                        }))
        .whenComplete((r, e) -> running.set(false));
  }

  /** One pass's progress; commands go one at a time, each planned on the view after the last. */
  private final class Pass {
    final List<SegmentId> compacted = new ArrayList<>();
    final List<String> refused = new ArrayList<>();
    int retired;
    int commands;
    boolean more;
    long throttledNanos;

    CompletableFuture<PlacementView> next(PlacementView v) {
      List<List<SegmentId>> runs = Compaction.runs(v.segments());
      if (runs.isEmpty()) {
        return CompletableFuture.completedFuture(v);
      }
      if (commands >= options.maxRunsPerPass()) {
        more = true;
        return CompletableFuture.completedFuture(v);
      }
      List<SegmentId> all = runs.get(0);
      List<SegmentId> run = all.subList(0, Math.min(all.size(), options.maxSegmentsPerRun()));
      commands++;
      long sent = timer.nanoTime();
      return submit
          .apply(new PlacementCommand.Compact(run, options.translationGrace().toMillis()))
          .thenCompose(
              reply -> {
                if (reply instanceof PlacementReply.Changed c) {
                  if (!compacted.contains(run.get(0))) {
                    compacted.add(run.get(0)); // a long run is compacted in several steps
                  }
                  retired += run.size() - 1;
                  runsCompacted.incrementAndGet();
                  segmentsRetired.addAndGet(run.size() - 1);
                  return awaitVersion.apply(c.version()).thenCompose(after -> paced(sent, after));
                }
                if (reply instanceof PlacementReply.Rejected r) {
                  // Planned on a view that was already stale: another compactor got there first.
                  refused.add(run.get(0) + ": " + r.message());
                }
                return CompletableFuture.completedFuture(v);
              });
    }

    /** The next step, after the pause that keeps this pass within its share. */
    private CompletableFuture<PlacementView> paced(long sent, PlacementView after) {
      Duration pause = options.pauseAfter(Duration.ofNanos(timer.nanoTime() - sent));
      if (pause.isZero()
          || commands >= options.maxRunsPerPass()
          || Compaction.runs(after.segments()).isEmpty()) {
        return next(after); // no pause, or no further command in this pass to make room for
      }
      throttledNanos += pause.toNanos();
      CompletableFuture<Void> paused = new CompletableFuture<>();
      try {
        timer.schedule(pause, () -> paused.complete(null));
      } catch (RejectedExecutionException e) { // the node is closing
        paused.completeExceptionally(e);
      }
      return paused.thenCompose(x -> next(view.get()));
    }
  }
}
