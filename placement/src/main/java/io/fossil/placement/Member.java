package io.fossil.placement;

/**
 * A node known to the placement group. {@code incarnation} identifies one run of the node's
 * process; {@code leaseDeadline} (log time, ms) is when all of its leases end unless renewed.
 */
public record Member(
    String nodeId,
    long incarnation,
    String httpAddress,
    String raftAddress,
    long lastHeartbeat,
    long leaseDeadline,
    boolean leaving) {

  Member withHeartbeat(long time, long deadline) {
    return new Member(nodeId, incarnation, httpAddress, raftAddress, time, deadline, leaving);
  }

  Member asLeaving() {
    return new Member(
        nodeId, incarnation, httpAddress, raftAddress, lastHeartbeat, leaseDeadline, true);
  }
}
