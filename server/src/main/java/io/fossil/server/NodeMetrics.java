package io.fossil.server;

import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.ViewWaiters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The node's meters, on the Prometheus registry {@code GET /metrics} serves, every one tagged with
 * the node id: the JVM's, the lease counters, the appenders' batch sizes, and gauges read from
 * placement and the node's segments. Thread-safe. {@link #close()} unbinds the JVM meters and
 * closes the registry; it is idempotent.
 */
final class NodeMetrics implements AutoCloseable {

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final Counter leaseRenewals;
  private final Counter leaseLosses;
  private final DistributionSummary batchEvents;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param placement the gauges of the placement leader read it
   * @param ownership the gauge of owned segments reads it
   * @param views the gauge of sealed segments reads the latest view
   */
  NodeMetrics(
      String nodeId, PlacementConnection placement, SegmentOwnership ownership, ViewWaiters views) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", nodeId);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    this.leaseRenewals =
        Counter.builder("fossil.lease.renewals")
            .description("heartbeats acknowledged")
            .register(registry);
    this.leaseLosses =
        Counter.builder("fossil.lease.losses")
            .description("heartbeats refused: every lease of this node was lost")
            .register(registry);
    this.batchEvents =
        DistributionSummary.builder("fossil.append.batch.events")
            .description("events per storage batch written by this node's appenders")
            .publishPercentileHistogram()
            .register(registry);
    Gauge.builder("fossil.placement.leader", placement, p -> p.isLeader() ? 1 : 0)
        .description("1 while this node leads the placement group")
        .register(registry);
    Gauge.builder(
            "fossil.placement.follower.silence",
            placement,
            p -> {
              OptionalLong silence = p.longestFollowerSilenceMillis();
              return silence.isPresent() ? silence.getAsLong() / 1000.0 : Double.NaN;
            })
        .baseUnit("seconds")
        .description(
            "on the placement leader, how long the least recently heard follower has been silent;"
                + " NaN elsewhere")
        .register(registry);
    Gauge.builder("fossil.segments.owned", ownership, SegmentOwnership::owned)
        .description("segments this node writes")
        .register(registry);
    Gauge.builder("fossil.segments.sealed", views, w -> sealed(w.latest()))
        .description("sealed segments in the placement DAG (compaction lowers it)")
        .register(registry);
  }

  private static int sealed(PlacementView v) {
    return v.segments().size() - (int) v.segments().stream().filter(Segment::isOpen).count();
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  /** A heartbeat was acknowledged. */
  void leaseRenewed() {
    leaseRenewals.increment();
  }

  /** A heartbeat was refused: every lease of this node was lost. */
  void leaseLost() {
    leaseLosses.increment();
  }

  /** An appender committed a storage batch of {@code events} events. */
  void batchCommitted(int events) {
    batchEvents.record(events);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    gcMetrics.close();
    registry.close();
  }
}
