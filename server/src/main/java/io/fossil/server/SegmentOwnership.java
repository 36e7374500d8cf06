package io.fossil.server;

import io.fossil.kv.KvStore;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.ViewWaiters;
import io.fossil.position.SegmentId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.ObjIntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segments this node writes: an appender for every open segment placement gives this node's
 * incarnation, started and stopped as placement views arrive. Each appender seals its ancestors in
 * the store before it writes; the final counters it finds are reported to placement until placement
 * has them. An appender that stopped by itself while placement still lists its segment here makes
 * this node ask placement for a successor.
 *
 * <p>Thread-safe. {@link #onView} is serialized; {@link #checkAppenders()} and {@link
 * #reportSeals()} run on the node's timer. Placement failures are not thrown: what was not reported
 * is retried on the next call.
 */
final class SegmentOwnership {

  // The logger of the node, as before segment ownership had a class of its own.
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final String nodeId;
  private final long incarnation;
  private final KvStore store;
  private final SegmentAppender.Config appenderConfig;
  private final PlacementClient placement;
  private final ViewWaiters views;
  private final LongSupplier leaseDeadlineNanos;
  private final ObjIntConsumer<SegmentId> batchCommitted;
  private final BooleanSupplier closing;
  private final Map<SegmentId, SegmentAppender> appenders = new ConcurrentHashMap<>();
  private final Map<SegmentId, Long> unreportedSeals = new ConcurrentHashMap<>();
  // Seal reports and successor requests under way: a heartbeat tick does not send another while
  // one is, so an unreachable group meets no storm of calls.
  private final Set<SegmentId> sealReportsInFlight = ConcurrentHashMap.newKeySet();
  private final Set<SegmentId> movesInFlight = ConcurrentHashMap.newKeySet();

  /**
   * @param views where each view is published once its appenders run
   * @param leaseDeadlineNanos the local deadline of this node's leases (an appender starts with it)
   * @param batchCommitted told of every storage batch an appender commits: its segment and events
   * @param closing the node's shutdown flag: once it is true, views are no longer applied
   */
  SegmentOwnership(
      String nodeId,
      long incarnation,
      KvStore store,
      SegmentAppender.Config appenderConfig,
      PlacementClient placement,
      ViewWaiters views,
      LongSupplier leaseDeadlineNanos,
      ObjIntConsumer<SegmentId> batchCommitted,
      BooleanSupplier closing) {
    this.nodeId = nodeId;
    this.incarnation = incarnation;
    this.store = store;
    this.appenderConfig = appenderConfig;
    this.placement = placement;
    this.views = views;
    this.leaseDeadlineNanos = leaseDeadlineNanos;
    this.batchCommitted = batchCommitted;
    this.closing = closing;
  }

  /** The appender of {@code segment} on this node, if any (starting or active). */
  Optional<SegmentAppender> appender(SegmentId segment) {
    return Optional.ofNullable(appenders.get(segment));
  }

  /** Whether this node runs an appender for {@code segment}. */
  boolean writes(SegmentId segment) {
    return appenders.containsKey(segment);
  }

  /** How many segments this node writes. */
  int owned() {
    return appenders.size();
  }

  /**
   * Starts and stops appenders for {@code next}, then publishes it: a request routed here by a view
   * always finds its appender. An older view than the latest, or any view once the node closes, is
   * ignored.
   */
  synchronized void onView(PlacementView next) {
    PlacementView current = views.latest();
    if (closing.getAsBoolean() || (current != null && next.version() < current.version())) {
      return;
    }
    for (Segment s : next.segments()) {
      if (mine(s) && !appenders.containsKey(s.id())) {
        startAppender(s, next);
      }
    }
    for (Map.Entry<SegmentId, SegmentAppender> e : new ArrayList<>(appenders.entrySet())) {
      Optional<Segment> s = next.segment(e.getKey());
      if (s.isEmpty() || !mine(s.get())) {
        appenders.remove(e.getKey());
        e.getValue().close();
        LOG.info(
            "node {} stopped writing segment {} (view {})", nodeId, e.getKey(), next.version());
      }
    }
    views.publish(next);
  }

  private boolean mine(Segment s) {
    return s.isOpen() && s.owner().equals(nodeId) && s.ownerIncarnation() == incarnation;
  }

  private void startAppender(Segment s, PlacementView in) {
    List<SegmentId> ancestors =
        in.segments().stream()
            .filter(a -> !a.isOpen() && !a.finalKnown() && a.id().isAncestorOf(s.id()))
            .map(Segment::id)
            .sorted(Comparator.naturalOrder())
            .toList();
    SegmentAppender appender =
        new SegmentAppender(
            store,
            s.id(),
            s.epoch(),
            incarnation,
            ancestors,
            leaseDeadlineNanos.getAsLong(),
            appenderConfig,
            Clock.systemUTC(),
            System::nanoTime);
    appender.onBatchCommitted(n -> batchCommitted.accept(s.id(), n));
    appenders.put(s.id(), appender);
    long startedAt = System.nanoTime();
    LOG.info(
        "node {} takes segment {} (epoch {}, view {}, {} ancestors to seal)",
        nodeId,
        s.id(),
        s.epoch(),
        in.version(),
        ancestors.size());
    appender
        .start()
        .whenComplete(
            (finalCounters, error) -> {
              if (error != null) {
                LOG.warn("node {} could not take segment {}: {}", nodeId, s.id(), error.toString());
                appenders.remove(s.id(), appender);
                appender.close();
                return;
              }
              LOG.info(
                  "node {} writes segment {}: ancestors sealed, head recovered in {} ms",
                  nodeId,
                  s.id(),
                  (System.nanoTime() - startedAt) / 1_000_000);
              unreportedSeals.putAll(finalCounters);
              reportSeals();
            });
  }

  /** Extends every appender's lease to {@code deadlineNanos}. */
  void renewLeases(long deadlineNanos) {
    appenders.values().forEach(a -> a.renewLease(deadlineNanos));
  }

  /**
   * Placement refused a heartbeat: every lease is gone now, not at the local deadline. Each
   * appender answers its queued appends "not owner" at once and takes no more until a renewal.
   */
  void leaseLost() {
    appenders.values().forEach(SegmentAppender::leaseLost);
  }

  /**
   * Tells placement the final counters found while sealing; retried on every heartbeat, one report
   * per segment under way at a time.
   */
  void reportSeals() {
    for (Map.Entry<SegmentId, Long> e : new HashMap<>(unreportedSeals).entrySet()) {
      if (!sealReportsInFlight.add(e.getKey())) {
        continue;
      }
      placement
          .submit(new PlacementCommand.ReportSeal(e.getKey(), e.getValue()))
          .whenComplete(
              (r, error) -> {
                sealReportsInFlight.remove(e.getKey());
                if (error == null) {
                  unreportedSeals.remove(e.getKey(), e.getValue());
                }
              });
    }
  }

  /**
   * An appender that fenced itself (its storage outcome stayed unknown) or found its segment sealed
   * while placement still lists it as ours asks placement for a successor on this same node.
   */
  void checkAppenders() {
    PlacementView v = views.latest();
    appenders.forEach(
        (id, a) -> {
          SegmentAppender.State state = a.state();
          if ((state == SegmentAppender.State.SEALED || state == SegmentAppender.State.FAILED)
              && v.segment(id).map(this::mine).orElse(false)) {
            if (!movesInFlight.add(id)) {
              return;
            }
            LOG.warn(
                "segment {} stopped on node {} ({}); asking for a successor", id, nodeId, state);
            placement
                .submit(new PlacementCommand.Move(id, nodeId))
                .whenComplete((r, e) -> movesInFlight.remove(id));
          }
        });
  }

  /** Closes every appender. Idempotent. */
  void close() {
    appenders.values().forEach(SegmentAppender::close);
    appenders.clear();
  }
}
