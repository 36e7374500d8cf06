package io.fossil.placement;

import io.fossil.placement.PlacementReply.Code;
import io.fossil.placement.PlacementReply.Rejected;
import io.fossil.position.SegmentId;
import java.util.ArrayList;
import java.util.List;

/**
 * The records one command emits: each is replayed on the state as it is emitted (replay is the only
 * mutation), so a command's later steps see its earlier ones. Shared by the parts of {@link
 * PlacementController}; owned by the state machine's apply thread, like the state.
 */
final class CommandRecords {

  private final PlacementState state;
  private List<PlacementRecord> emitted;

  CommandRecords(PlacementState state) {
    this.state = state;
  }

  PlacementState state() {
    return state;
  }

  /** Starts collecting the records of one command. */
  void begin() {
    emitted = new ArrayList<>();
  }

  /** The records emitted since {@link #begin}; stops collecting. */
  List<PlacementRecord> end() {
    List<PlacementRecord> out = List.copyOf(emitted);
    emitted = null;
    return out;
  }

  void emit(PlacementRecord record) {
    state.replay(record);
    emitted.add(record);
  }

  SegmentId successor(Segment s, String toNode) {
    Member to = state.member(toNode).orElseThrow();
    SegmentId next = new SegmentId(state.nextSeq(), s.id().first(), s.id().last());
    emit(new PlacementRecord.SegmentSealed(s.id(), List.of(next)));
    open(next, to, List.of(s.id()));
    return next;
  }

  void open(SegmentId id, Member owner, List<SegmentId> predecessors) {
    emit(
        new PlacementRecord.SegmentOpened(
            id, owner.nodeId(), owner.incarnation(), state.maxEpoch() + 1, predecessors));
  }

  boolean hasSequences(int n) {
    return state.clusterId().isPresent() && state.nextSeq() + n - 1 <= state.lastSeq();
  }

  Rejected exhausted() {
    return new Rejected(
        Code.SEQUENCES_EXHAUSTED,
        "no segment sequences left; the leader reserves more in storage, retry shortly");
  }

  /** Log time of the command (the state's, after its clock record). */
  long now() {
    return state.time();
  }
}
