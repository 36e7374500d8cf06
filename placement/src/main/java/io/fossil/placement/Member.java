package io.fossil.placement;

/**
 * A node known to the placement group. {@code incarnation} identifies one run of the node's
 * process; {@code leaseDeadline} (log time, ms) is when all of its leases end unless renewed;
 * {@code joinedAt} (log time) is when this incarnation registered: rebalancing gives it segments
 * only once it has been a member for {@link PlacementConfig#rebalanceDelayMillis()} (ADR 30).
 */
public record Member(
    String nodeId,
    long incarnation,
    String httpAddress,
    String raftAddress,
    long lastHeartbeat,
    long leaseDeadline,
    boolean leaving,
    long joinedAt) {

  Member withHeartbeat(long time, long deadline) {
    return new Member(
        nodeId, incarnation, httpAddress, raftAddress, time, deadline, leaving, joinedAt);
  }

  Member asLeaving() {
    return new Member(
        nodeId,
        incarnation,
        httpAddress,
        raftAddress,
        lastHeartbeat,
        leaseDeadline,
        true,
        joinedAt);
  }

  /** Whether rebalancing may give this member segments at log time {@code now}. */
  boolean settled(long now, PlacementConfig config) {
    return now - joinedAt >= config.rebalanceDelayMillis();
  }
}
