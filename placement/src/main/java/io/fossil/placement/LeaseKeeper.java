package io.fossil.placement;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The owner side of a lease (ADR 10): heartbeats placement and turns each acknowledgement into a
 * local deadline on this process's monotonic clock, counted from the moment the heartbeat was
 * <em>sent</em>, minus a safety margin. Placement's own deadline runs from when it applied the
 * heartbeat, which is later, so the local deadline always passes first: the node stops writing
 * before anyone else may be given its segments. Thread-safe.
 */
public final class LeaseKeeper {

  /** What a heartbeat achieved. */
  public sealed interface Renewal {
    /** Leases held until {@code deadlineNanos} on the keeper's clock. */
    record Held(long deadlineNanos, long placementVersion) implements Renewal {}

    /** Placement refused (unknown member, stale incarnation): every lease is gone. */
    record Lost(PlacementReply.Rejected reason) implements Renewal {}
  }

  private final PlacementClient placement;
  private final String nodeId;
  private final long incarnation;
  private final Duration lease;
  private final Duration margin;
  private final LongSupplier nanoTime;
  private volatile long deadlineNanos;

  /**
   * @param lease the placement group's lease length
   * @param margin subtracted from every local deadline (clock rate differences, pauses)
   */
  public LeaseKeeper(
      PlacementClient placement,
      String nodeId,
      long incarnation,
      Duration lease,
      Duration margin,
      LongSupplier nanoTime) {
    if (margin.compareTo(lease) >= 0) {
      throw new IllegalArgumentException("the safety margin must be shorter than the lease");
    }
    this.placement = placement;
    this.nodeId = nodeId;
    this.incarnation = incarnation;
    this.lease = lease;
    this.margin = margin;
    this.nanoTime = nanoTime;
    this.deadlineNanos = nanoTime.getAsLong();
  }

  /** Sends one heartbeat; the node calls this a few times per lease period. */
  public CompletableFuture<Renewal> heartbeat() {
    long sentAt = nanoTime.getAsLong();
    return placement
        .submit(new PlacementCommand.Heartbeat(nodeId, incarnation))
        .thenApply(
            reply -> {
              if (reply instanceof PlacementReply.Leased leased) {
                long deadline = sentAt + lease.toNanos() - margin.toNanos();
                synchronized (this) {
                  if (deadline - deadlineNanos > 0) {
                    deadlineNanos = deadline;
                  }
                }
                return new Renewal.Held(deadlineNanos, leased.version());
              }
              if (reply instanceof PlacementReply.Rejected rejected) {
                deadlineNanos = sentAt;
                return new Renewal.Lost(rejected);
              }
              throw new IllegalStateException("unexpected heartbeat reply " + reply);
            });
  }

  /** The local deadline of every lease this node holds (on the keeper's clock). */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** Whether the leases are still held at this instant. */
  public boolean holds() {
    return nanoTime.getAsLong() - deadlineNanos < 0;
  }
}
