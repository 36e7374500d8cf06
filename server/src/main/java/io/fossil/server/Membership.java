package io.fossil.server;

import io.fossil.placement.LeaseKeeper;
import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.ViewWaiters;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of the cluster, as Kafka's {@code BrokerLifecycleManager} is a broker's:
 * it registers with the placement group, keeps the node's leases by heartbeat (ADR 10), registers
 * again when placement forgot the node, hands the node's segments away when it leaves, and says why
 * the node is not ready.
 *
 * <p>Thread-safe. {@link #heartbeat()} runs on the node's timer, one heartbeat under way at a time;
 * replies are handled on the placement client's threads. A failure of the placement group is never
 * thrown: it is logged, and readiness reports it while the lease has lapsed.
 */
final class Membership {

  // The logger of the node, as before membership had a class of its own.
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  /**
   * How this node takes part in the cluster.
   *
   * @param voters every placement voter, id → Raft address (host:port)
   * @param advertisedHttp the host:port other nodes and clients use to reach this node's API
   * @param expectedVoters how many nodes must register before placement assigns the ring
   * @param lease the placement group's lease length
   * @param heartbeatInterval the pause between the end of one heartbeat tick and the next
   * @param leaseMargin subtracted from every local lease deadline (clock rates, pauses)
   * @param registrationTimeout how long registration retries while the group elects a leader
   * @param registerRetryDelay the pause between two registration attempts
   * @param waitWarningInterval while the lease has lapsed, at most one warning this often
   */
  record Config(
      String nodeId,
      Map<String, String> voters,
      String advertisedHttp,
      int expectedVoters,
      Duration lease,
      Duration heartbeatInterval,
      Duration leaseMargin,
      Duration registrationTimeout,
      Duration registerRetryDelay,
      Duration waitWarningInterval) {

    /** Eight heartbeats per lease (ADR 30) ... */
    static final int HEARTBEATS_PER_LEASE = 8;

    /** ... but not more often than every 50 ms. */
    static final Duration MIN_HEARTBEAT_INTERVAL = Duration.ofMillis(50);

    /** The safety margin is a fifth of the lease. */
    static final int LEASE_MARGIN_DIVISOR = 5;

    static final Duration REGISTER_RETRY_DELAY = Duration.ofMillis(200);

    static final Duration WAIT_WARNING_INTERVAL = Duration.ofSeconds(1);

    Config {
      Objects.requireNonNull(nodeId, "nodeId");
      voters = Map.copyOf(voters);
      for (Duration d :
          new Duration[] {
            lease, heartbeatInterval, registrationTimeout, registerRetryDelay, waitWarningInterval
          }) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("durations must be positive, got " + d);
        }
      }
      if (leaseMargin.isNegative() || leaseMargin.compareTo(lease) >= 0) {
        throw new IllegalArgumentException("the safety margin must be shorter than the lease");
      }
    }

    /** The defaults for {@code node}: timings derived from its lease length. */
    static Config of(NodeConfig node) {
      long leaseMillis = node.placement().leaseMillis();
      Duration lease = Duration.ofMillis(leaseMillis);
      return new Config(
          node.nodeId(),
          node.voters(),
          node.advertisedHttp(),
          node.placement().expectedVoters(),
          lease,
          Duration.ofMillis(
              Math.max(MIN_HEARTBEAT_INTERVAL.toMillis(), leaseMillis / HEARTBEATS_PER_LEASE)),
          lease.dividedBy(LEASE_MARGIN_DIVISOR),
          node.startupTimeout(),
          REGISTER_RETRY_DELAY,
          WAIT_WARNING_INTERVAL);
    }
  }

  /** What the rest of the node learns from heartbeats; called on placement client threads. */
  interface Listener {
    /** A heartbeat was acknowledged: every lease now holds until {@code deadlineNanos}. */
    void leaseRenewed(long deadlineNanos);

    /** Placement refused a heartbeat: every lease of this node is gone. */
    void leaseLost();
  }

  private final Config config;
  private final long incarnation;
  private final PlacementClient placement;
  private final ViewWaiters views;
  private final Listener listener;
  private final BooleanSupplier closing;
  private final LongSupplier nanoTime;
  private final LeaseKeeper lease;
  // When the heartbeat under way was sent (NONE: none is). A tick sends no other while it is
  // younger than a heartbeat interval, so an unreachable group meets at most one call per interval;
  // an older one (stuck on a leader that was paused or cut off, until its attempt times out) does
  // not hold the next back, or the node would lose its lease to one lost call.
  private static final long NONE = Long.MIN_VALUE;
  private final AtomicLong heartbeatSentAt = new AtomicLong(NONE);
  // One re-registration under way at a time.
  private final AtomicBoolean reregistering = new AtomicBoolean();
  // What readiness and the log say while the lease has lapsed.
  private volatile long lastAckNanos;
  private volatile String lastPlacementError;
  private volatile long lastWaitWarningNanos;
  private volatile boolean registered;

  /**
   * @param views the placement views this node has applied (readiness, leaving)
   * @param closing the node's shutdown flag: once it is true, no heartbeat or registration starts
   * @param nanoTime the monotonic clock of leases and readiness ({@code System::nanoTime})
   */
  Membership(
      Config config,
      long incarnation,
      PlacementClient placement,
      ViewWaiters views,
      Listener listener,
      BooleanSupplier closing,
      LongSupplier nanoTime) {
    this.config = config;
    this.incarnation = incarnation;
    this.placement = placement;
    this.views = views;
    this.listener = listener;
    this.closing = closing;
    this.nanoTime = nanoTime;
    this.lease =
        new LeaseKeeper(
            placement,
            config.nodeId(),
            incarnation,
            config.lease(),
            config.leaseMargin(),
            nanoTime);
    this.lastAckNanos = nanoTime.getAsLong();
  }

  /**
   * Once {@code connected} completes (the placement client can be used), registers, retrying while
   * the placement group elects a leader, then sends the first heartbeat. The registration timeout
   * counts from this call, so it covers the wait for the connection (a voter's start). Fails if
   * {@code connected} fails, if placement refuses this node, or if it does not answer in time.
   */
  CompletableFuture<Void> start(CompletableFuture<Void> connected) {
    long deadline = nanoTime.getAsLong() + config.registrationTimeout().toNanos();
    return connected.thenCompose(x -> register(deadline));
  }

  /** How often the node's timer should call {@link #heartbeat()}. */
  Duration heartbeatInterval() {
    return config.heartbeatInterval();
  }

  /** The local deadline of every lease this node holds, on the membership's clock. */
  long leaseDeadlineNanos() {
    return lease.deadlineNanos();
  }

  private CompletableFuture<Void> register(long deadline) {
    String raft = config.voters().getOrDefault(config.nodeId(), "");
    return placement
        .submit(
            new PlacementCommand.Register(
                config.nodeId(), incarnation, config.advertisedHttp(), raft))
        .handle(
            (reply, error) -> {
              if (reply instanceof PlacementReply.Leased) {
                registered = true;
                return CompletableFuture.<Void>completedFuture(null);
              }
              if (reply instanceof PlacementReply.Rejected r) {
                return CompletableFuture.<Void>failedFuture(
                    new IllegalStateException(
                        "placement refused node " + config.nodeId() + ": " + r.message()));
              }
              if (nanoTime.getAsLong() - deadline > 0) {
                return CompletableFuture.<Void>failedFuture(
                    new IllegalStateException(
                        "the placement group did not answer within "
                            + config.registrationTimeout()
                            + " (voters "
                            + config.voters()
                            + "): "
                            + error));
              }
              return CompletableFuture.supplyAsync(
                      () -> null,
                      CompletableFuture.delayedExecutor(
                          config.registerRetryDelay().toMillis(), TimeUnit.MILLISECONDS))
                  .thenCompose(y -> register(deadline));
            })
        .thenCompose(f -> f)
        .thenCompose(x -> lease.heartbeat())
        .thenAccept(
            renewal -> {
              if (renewal instanceof LeaseKeeper.Renewal.Held) {
                heartbeatAcknowledged();
              }
            });
  }

  /**
   * Sends a heartbeat unless one was sent less than a heartbeat interval ago and is still under way
   * (the placement client bounds how long one takes).
   */
  void heartbeat() {
    long now = nanoTime.getAsLong();
    long sentAt = heartbeatSentAt.get();
    if (sentAt != NONE && now - sentAt < config.heartbeatInterval().toNanos()
        || !heartbeatSentAt.compareAndSet(sentAt, now)) {
      return;
    }
    CompletableFuture<LeaseKeeper.Renewal> sent;
    try {
      sent = lease.heartbeat();
    } catch (RuntimeException e) { // a timer task must not throw: it would never run again
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (renewal, error) -> {
          heartbeatSentAt.compareAndSet(now, NONE);
          if (error != null) {
            placementFailed("a heartbeat", error);
            return;
          }
          if (renewal instanceof LeaseKeeper.Renewal.Held held) {
            heartbeatAcknowledged();
            listener.leaseRenewed(held.deadlineNanos());
          } else if (renewal instanceof LeaseKeeper.Renewal.Lost lost) {
            listener.leaseLost();
            LOG.warn("node {} lost its leases: {}", config.nodeId(), lost.reason().message());
            if (lost.reason().code() == PlacementReply.Code.UNKNOWN_MEMBER) {
              reregister();
            }
          }
        });
  }

  /** Registers again after placement forgot this node; one registration under way at a time. */
  private void reregister() {
    if (closing.getAsBoolean() || !reregistering.compareAndSet(false, true)) {
      return;
    }
    LOG.warn("node {} registers again (incarnation {})", config.nodeId(), incarnation);
    register(nanoTime.getAsLong() + config.registrationTimeout().toNanos())
        .whenComplete(
            (x, error) -> {
              reregistering.set(false);
              if (error != null && !closing.getAsBoolean()) {
                placementFailed("its registration", error);
              }
            });
  }

  /** The placement group answered: what readiness reports about failures is history now. */
  private void heartbeatAcknowledged() {
    lastAckNanos = nanoTime.getAsLong();
    lastPlacementError = null;
  }

  /**
   * Records a failed placement call ({@code what} failed with {@code error}). While the lease
   * holds, a failure is routine (a leader change); once it has lapsed, the node says at WARN what
   * it waits for, at most once per warning interval.
   */
  void placementFailed(String what, Throwable error) {
    lastPlacementError = what + " failed: " + error;
    if (closing.getAsBoolean() || lease.holds()) {
      LOG.debug("node {}: {}", config.nodeId(), lastPlacementError);
      return;
    }
    long now = nanoTime.getAsLong();
    if (now - lastWaitWarningNanos < config.waitWarningInterval().toNanos()) {
      return;
    }
    lastWaitWarningNanos = now;
    LOG.warn(
        "node {} waits for the placement group (voters {}): its lease has lapsed, no heartbeat"
            + " acknowledged for {} ms; {}",
        config.nodeId(),
        config.voters().keySet(),
        TimeUnit.NANOSECONDS.toMillis(now - lastAckNanos),
        lastPlacementError);
  }

  /** Null when the node is ready to serve; otherwise why not, for {@code /health/ready}. */
  String notReadyReason() {
    if (closing.getAsBoolean()) {
      return "the node is shutting down";
    }
    if (!registered) {
      return "not yet registered with the placement group";
    }
    if (!lease.holds()) {
      String last = lastPlacementError;
      return "this node's lease has lapsed: the placement group has not acknowledged a heartbeat"
          + " for "
          + TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - lastAckNanos)
          + " ms"
          + (last == null ? "" : "; last: " + last);
    }
    if (views.latest().segments().stream().noneMatch(Segment::isOpen)) {
      return "the ring is not assigned yet: waiting for "
          + config.expectedVoters()
          + " nodes to register";
    }
    return null;
  }

  /**
   * Hands this node's segments to other nodes: tells placement it is leaving, then waits (up to
   * {@code maxWait}) until no open segment is owned by it. Completes with whether none is left;
   * never exceptionally (a failure is logged and completes with false).
   */
  CompletableFuture<Boolean> leave(Duration maxWait) {
    long deadline = nanoTime.getAsLong() + maxWait.toNanos();
    return placement
        .submit(new PlacementCommand.Leave(config.nodeId(), incarnation))
        .thenCompose(r -> awaitNoSegments(deadline))
        .exceptionally(
            e -> {
              LOG.warn(
                  "node {} could not hand its segments away: {}", config.nodeId(), e.toString());
              return false;
            });
  }

  private CompletableFuture<Boolean> awaitNoSegments(long deadline) {
    PlacementView v = views.latest();
    boolean none =
        v.segments().stream().noneMatch(s -> s.isOpen() && s.owner().equals(config.nodeId()));
    long left = deadline - nanoTime.getAsLong();
    if (none || left <= 0) {
      return CompletableFuture.completedFuture(none);
    }
    return views
        .await(v.version(), Duration.ofNanos(left))
        .thenCompose(x -> awaitNoSegments(deadline));
  }
}
