package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.List;

/**
 * A change to placement state. {@link PlacementState#replay} is the only way state changes, and it
 * rejects records that would break an invariant (time going backwards, an epoch or sequence that
 * does not grow, reopening a sealed segment).
 */
public sealed interface PlacementRecord {

  /** Log time advanced to {@code time} (ms); never backwards. */
  record ClockAdvanced(long time) implements PlacementRecord {}

  record SequencesReserved(String clusterId, long firstSeq, long lastSeq)
      implements PlacementRecord {}

  /** {@code settles}: see {@link PlacementCommand.Register#settles()}. */
  record MemberJoined(
      String nodeId, long incarnation, String httpAddress, String raftAddress, boolean settles)
      implements PlacementRecord {}

  record MemberRenewed(String nodeId) implements PlacementRecord {}

  record MemberLeaving(String nodeId) implements PlacementRecord {}

  record MemberRemoved(String nodeId) implements PlacementRecord {}

  /** Nobody is expired before {@code until}. */
  record GraceGranted(long until) implements PlacementRecord {}

  /**
   * The first command of Raft term {@code term} was applied: a new leader stamps from here on (ADR
   * 10 grants it a grace period).
   */
  record TermBegan(long term) implements PlacementRecord {}

  record SegmentOpened(
      SegmentId id, String owner, long ownerIncarnation, long epoch, List<SegmentId> predecessors)
      implements PlacementRecord {}

  record SegmentSealed(SegmentId id, List<SegmentId> successors) implements PlacementRecord {}

  record FinalCounterRecorded(SegmentId id, long finalCounter) implements PlacementRecord {}

  /**
   * A run of sealed segments of one range, each the only successor of the one before, became one
   * compacted segment with the first one's identity (ADR 0021). The others' ids are translated
   * until {@code translatedUntil} (log time, ms).
   */
  record SegmentsCompacted(List<SegmentId> run, long translatedUntil) implements PlacementRecord {}
}
