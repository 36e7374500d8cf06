package io.fossil.placement;

import io.fossil.placement.PlacementCommand.Compact;
import io.fossil.placement.PlacementCommand.Merge;
import io.fossil.placement.PlacementCommand.Move;
import io.fossil.placement.PlacementCommand.ReportSeal;
import io.fossil.placement.PlacementCommand.Split;
import io.fossil.placement.PlacementReply.Code;
import io.fossil.placement.PlacementReply.Rejected;
import io.fossil.position.SegmentId;
import java.util.List;
import java.util.Optional;

/**
 * The commands that change the segment DAG on request: move, split, merge, report a seal, compact
 * (the transitions in {@link PlacementController}'s table). Each is validated before its first
 * record, so a rejection changes nothing. Deterministic; runs on the state machine's apply thread.
 */
final class TopologyCommands {

  private final CommandRecords records;
  private final PlacementState state;
  private final Housekeeping housekeeping;

  TopologyCommands(CommandRecords records, Housekeeping housekeeping) {
    this.records = records;
    this.state = records.state();
    this.housekeeping = housekeeping;
  }

  PlacementReply move(Move c) {
    Object found = openSegment(c.segment());
    if (found instanceof Rejected r) {
      return r;
    }
    Segment s = (Segment) found;
    Optional<Member> target =
        state.liveMembers(records.now()).stream()
            .filter(m -> m.nodeId().equals(c.toNode()))
            .findFirst();
    if (target.isEmpty()) {
      return new Rejected(Code.NO_LIVE_TARGET, "node " + c.toNode() + " is not a live member");
    }
    if (!records.hasSequences(1)) {
      return records.exhausted();
    }
    SegmentId created = records.successor(s, c.toNode());
    return new PlacementReply.Changed(state.version(), List.of(created));
  }

  PlacementReply split(Split c) {
    Object found = openSegment(c.segment());
    if (found instanceof Rejected r) {
      return r;
    }
    Segment s = (Segment) found;
    SegmentId id = s.id();
    long at =
        c.at() != null ? c.at() : id.first() + (id.width() >>> 1) + (id.width() == -1L ? 1 : 0);
    if (Long.compareUnsigned(at, id.first()) <= 0 || Long.compareUnsigned(at, id.last()) > 0) {
      return new Rejected(
          Code.BAD_SPLIT_POINT,
          "split point "
              + Long.toUnsignedString(at, 16)
              + " is not inside "
              + id
              + " (it must be above the first point and at most the last)");
    }
    int cap = state.config().maxOpenSegments();
    int open = state.openSegmentCount();
    if (cap > 0 && open >= cap) {
      return new Rejected(
          Code.SEGMENT_CAP,
          "splitting "
              + id
              + " would open "
              + (open + 1)
              + " segments; this cluster's cap is "
              + cap
              + " open segments (merge segments, or raise the cap on every voter)");
    }
    if (!records.hasSequences(2)) {
      return records.exhausted();
    }
    Member owner = ownerOrLeastLoaded(s);
    SegmentId lower = new SegmentId(state.nextSeq(), id.first(), at - 1);
    SegmentId upper = new SegmentId(state.nextSeq() + 1, at, id.last());
    records.emit(new PlacementRecord.SegmentSealed(id, List.of(lower, upper)));
    records.open(lower, owner, List.of(id));
    records.open(upper, owner, List.of(id));
    return new PlacementReply.Changed(state.version(), List.of(lower, upper));
  }

  PlacementReply merge(Merge c) {
    Object a = openSegment(c.a());
    if (a instanceof Rejected r) {
      return r;
    }
    Object b = openSegment(c.b());
    if (b instanceof Rejected r) {
      return r;
    }
    Segment lo = (Segment) a;
    Segment hi = (Segment) b;
    if (Long.compareUnsigned(lo.id().first(), hi.id().first()) > 0) {
      Segment t = lo;
      lo = hi;
      hi = t;
    }
    if (lo.id().last() + 1 != hi.id().first() || lo.id().last() == -1L) {
      return new Rejected(
          Code.NOT_ADJACENT, c.a() + " and " + c.b() + " are not adjacent on the ring");
    }
    if (!records.hasSequences(1)) {
      return records.exhausted();
    }
    Member owner = ownerOrLeastLoaded(lo);
    SegmentId union = new SegmentId(state.nextSeq(), lo.id().first(), hi.id().last());
    records.emit(new PlacementRecord.SegmentSealed(lo.id(), List.of(union)));
    records.emit(new PlacementRecord.SegmentSealed(hi.id(), List.of(union)));
    records.open(union, owner, List.of(lo.id(), hi.id()));
    return new PlacementReply.Changed(state.version(), List.of(union));
  }

  PlacementReply reportSeal(ReportSeal c) {
    Optional<Segment> s = state.segment(c.segment());
    if (s.isEmpty()) {
      return new Rejected(Code.UNKNOWN_SEGMENT, "no segment " + c.segment());
    }
    if (s.get().isOpen()) {
      return new Rejected(
          Code.SEGMENT_NOT_OPEN, "segment " + c.segment() + " is still open in placement");
    }
    if (c.finalCounter() < -1) {
      return new Rejected(Code.CONFLICT, "final counter " + c.finalCounter() + " is below -1");
    }
    if (s.get().finalCounter() == c.finalCounter()) {
      return new PlacementReply.Ok(state.version());
    }
    if (s.get().finalKnown()) {
      return new Rejected(
          Code.CONFLICT,
          "segment " + c.segment() + " was reported sealed at " + s.get().finalCounter());
    }
    records.emit(new PlacementRecord.FinalCounterRecorded(c.segment(), c.finalCounter()));
    return new PlacementReply.Ok(state.version());
  }

  PlacementReply compact(Compact c) {
    if (c.translationGraceMillis() < 0) {
      return new Rejected(Code.NOT_COMPACTABLE, "the translation grace period is negative");
    }
    Optional<String> refusal = Compaction.refusal(c.run(), state::segmentAt);
    if (refusal.isPresent()) {
      return new Rejected(Code.NOT_COMPACTABLE, refusal.get());
    }
    long grace = c.translationGraceMillis();
    long until = grace > Long.MAX_VALUE - records.now() ? Long.MAX_VALUE : records.now() + grace;
    records.emit(new PlacementRecord.SegmentsCompacted(c.run(), until));
    return new PlacementReply.Changed(state.version(), List.of(c.run().get(0)));
  }

  /** The open segment with this id, or the rejection that explains why there is none. */
  private Object openSegment(SegmentId id) {
    Optional<Segment> s = state.segment(id);
    if (s.isEmpty()) {
      return new Rejected(Code.UNKNOWN_SEGMENT, "no segment " + id);
    }
    if (!s.get().isOpen()) {
      return new Rejected(Code.SEGMENT_NOT_OPEN, "segment " + id + " is sealed");
    }
    return s.get();
  }

  private Member ownerOrLeastLoaded(Segment s) {
    if (housekeeping.isLiveOwner(s)) {
      return state.member(s.owner()).orElseThrow();
    }
    List<Member> live = state.liveMembers(records.now());
    return live.isEmpty()
        ? state.member(s.owner()).orElse(placeholder(s))
        : housekeeping.leastLoaded(live, null);
  }

  /**
   * An owner record for a segment whose owner is gone and no one is live: housekeeping re-homes it.
   */
  private static Member placeholder(Segment s) {
    return new Member(s.owner(), s.ownerIncarnation(), "", "", 0, 0, false, 0);
  }
}
