package io.fossil.server;

import io.fossil.compaction.CompactionTimer;
import io.fossil.compaction.Compactor;
import io.fossil.placement.Compaction;
import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementView;
import io.fossil.position.Cursor;
import io.fossil.reader.ConsumerCursors;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything of compaction the node holds, in one place until it moves to the {@code compaction}
 * module (issue 31): the compactor, its meters, and the schedule on which the placement leader runs
 * a pass (ADR 0021). Thread-safe; scheduled passes run on the node's timer.
 */
final class NodeCompaction {

  // The logger of the node, as before compaction had a class of its own.
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final String nodeId;
  private final Compactor.Options options;
  private final Supplier<PlacementView> view;
  private final Compactor compactor;
  private final BooleanSupplier leads;
  private final BooleanSupplier closing;
  private final ScheduledExecutorService timer;

  /**
   * @param awaitApplied completes once this node's view reached the given placement version
   * @param leads whether this node leads the placement group (only the leader compacts on schedule)
   * @param closing the node's shutdown flag: once it is true, no scheduled pass starts
   * @param timer the node's timer: it runs the scheduled passes and the compactor's pauses
   */
  NodeCompaction(
      String nodeId,
      Compactor.Options options,
      Supplier<PlacementView> view,
      PlacementClient placement,
      Function<Long, CompletableFuture<PlacementView>> awaitApplied,
      ConsumerCursors consumers,
      MeterRegistry registry,
      BooleanSupplier leads,
      BooleanSupplier closing,
      ScheduledExecutorService timer) {
    this.nodeId = nodeId;
    this.options = options;
    this.view = view;
    this.leads = leads;
    this.closing = closing;
    this.timer = timer;
    this.compactor =
        new Compactor(
            options,
            view,
            command -> placement.submit(command),
            awaitApplied,
            translate ->
                consumers.rewriteAll(
                    c -> {
                      try {
                        Cursor t = translate.apply(c);
                        return t.equals(c) ? Optional.empty() : Optional.of(t);
                      } catch (IllegalArgumentException e) {
                        return Optional.empty(); // expired or invalid: its reader gets the error
                      }
                    }),
            CompactionTimer.system(timer));
    FunctionCounter.builder("fossil.compaction.runs", compactor, Compactor::runsCompacted)
        .description("runs of sealed segments this node compacted")
        .register(registry);
    FunctionCounter.builder(
            "fossil.compaction.segments.retired", compactor, Compactor::segmentsRetired)
        .description("segments this node's compaction passes retired into compacted ones")
        .register(registry);
    FunctionCounter.builder(
            "fossil.compaction.cursors.rewritten", compactor, Compactor::cursorsRewritten)
        .description("stored consumer cursors rewritten after compaction")
        .register(registry);
    Gauge.builder(
            "fossil.compaction.runs.pending",
            this,
            c -> Compaction.runs(c.view.get().segments()).size())
        .description("runs of sealed segments compaction could merge now")
        .register(registry);
  }

  /** Runs one compaction pass now ({@code POST /admin/compaction}). */
  CompletableFuture<Compactor.Report> runOnce() {
    return compactor.runOnce();
  }

  /** Schedules the passes on the node's timer, unless the interval is 0 (on request only). */
  void schedule() {
    long every = options.interval().toMillis();
    if (every > 0) {
      timer.scheduleWithFixedDelay(this::compactIfLeader, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** The scheduled pass: only the placement leader compacts, so passes do not race needlessly. */
  private void compactIfLeader() {
    if (closing.getAsBoolean() || !leads.getAsBoolean()) {
      return;
    }
    compactor
        .runOnce()
        .whenComplete(
            (report, error) -> {
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
            });
  }
}
