package io.fossil.compaction;

import io.fossil.placement.Compaction;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Compaction's meters ({@code fossil_compaction_*} in {@code /metrics}; ADR 0021): what this node's
 * passes did, and how many runs could be compacted now. Micrometer holds the measured objects
 * weakly; the driver that registers them keeps them.
 */
final class CompactionMetrics {

  private CompactionMetrics() {}

  static void bind(CompactionDriver driver, Compactor compactor, MeterRegistry registry) {
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
            driver,
            d -> Compaction.runs(d.placement().view().segments()).size())
        .description("runs of sealed segments compaction could merge now")
        .register(registry);
  }
}
