package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.List;

/**
 * What a client asks the placement group to do. Commands are validated and turned into records by
 * {@link PlacementController}; an expected refusal is a {@link PlacementReply.Rejected}, never an
 * exception.
 */
public sealed interface PlacementCommand {

  /**
   * Sets the cluster id and the sequence numbers placement may issue, after the leader reserved
   * them in storage (so a placement group rebuilt from scratch never reuses a segment id).
   */
  record ReserveSequences(String clusterId, long firstSeq, long lastSeq)
      implements PlacementCommand {}

  /**
   * A node process announces itself; a new incarnation replaces the old one's leases. {@code
   * settles}: the member waits {@link PlacementConfig#rebalanceDelayMillis()} before rebalancing
   * gives it segments (ADR 30); false only for a command logged before that rule (format 3 or
   * older), which replays as it applied then.
   */
  record Register(
      String nodeId, long incarnation, String httpAddress, String raftAddress, boolean settles)
      implements PlacementCommand {

    public Register(String nodeId, long incarnation, String httpAddress, String raftAddress) {
      this(nodeId, incarnation, httpAddress, raftAddress, true);
    }
  }

  /** Renews every lease of the node at once. */
  record Heartbeat(String nodeId, long incarnation) implements PlacementCommand {}

  /** The node is shutting down: move its segments away, then forget it. */
  record Leave(String nodeId, long incarnation) implements PlacementCommand {}

  /** Periodic housekeeping by the leader: expire leases, assign orphans, rebalance. */
  record Tick() implements PlacementCommand {}

  /**
   * A new leader took over: nobody is expired for one lease period. Leaders no longer send it (the
   * state machine grants that grace on the first command of a new term); old logs hold it.
   */
  record LeaderChanged() implements PlacementCommand {}

  /** Moves an open segment to another node (seal + successor there). */
  record Move(SegmentId segment, String toNode) implements PlacementCommand {}

  /** Splits an open segment at ring point {@code at} (the first point of the upper half). */
  record Split(SegmentId segment, Long at) implements PlacementCommand {}

  /** Merges two adjacent open segments into one. */
  record Merge(SegmentId a, SegmentId b) implements PlacementCommand {}

  /** The final counter of a sealed segment, as recorded in its seal record in storage. */
  record ReportSeal(SegmentId segment, long finalCounter) implements PlacementCommand {}

  /**
   * Compacts a run of sealed segments (see {@link Compaction#runs}) into one (ADR 0021); cursors
   * and positions naming the others are translated for {@code translationGraceMillis}.
   */
  record Compact(List<SegmentId> run, long translationGraceMillis) implements PlacementCommand {
    public Compact {
      run = List.copyOf(run);
    }
  }
}
