package io.fossil.placement;

import io.fossil.placement.PlacementCommand.Compact;
import io.fossil.placement.PlacementCommand.Heartbeat;
import io.fossil.placement.PlacementCommand.LeaderChanged;
import io.fossil.placement.PlacementCommand.Leave;
import io.fossil.placement.PlacementCommand.Merge;
import io.fossil.placement.PlacementCommand.Move;
import io.fossil.placement.PlacementCommand.Register;
import io.fossil.placement.PlacementCommand.ReportSeal;
import io.fossil.placement.PlacementCommand.ReserveSequences;
import io.fossil.placement.PlacementCommand.Split;
import io.fossil.placement.PlacementCommand.Tick;
import io.fossil.placement.PlacementReply.Code;
import io.fossil.placement.PlacementReply.Rejected;
import io.fossil.position.SegmentId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns a {@link PlacementCommand} into {@link PlacementRecord}s and a {@link PlacementReply},
 * replaying each record on the state as it goes (replay is the only mutation). Deterministic: the
 * same state, command and log time give the same records on every replica, so it runs inside the
 * state machine's apply. A command is validated before its first record, so a rejection changes
 * nothing.
 *
 * <p>Segment transitions (ADR 0007):
 *
 * <pre>
 *   (none) --initial assignment--> OPEN
 *   OPEN --move / lease expiry / new incarnation / leave--> SEALED + 1 successor (same range)
 *   OPEN --split--> SEALED + 2 successors (lower and upper half)
 *   OPEN, OPEN (adjacent) --merge--> SEALED, SEALED + 1 successor (the union)
 *   SEALED --report seal--> SEALED with its final counter
 *   SEALED, SEALED, ... (one linear run) --compact--> SEALED (the first one's id; the rest retired)
 * </pre>
 */
public final class PlacementController {

  /** Outcome of one command. */
  public record Result(List<PlacementRecord> records, PlacementReply reply) {}

  private final PlacementState state;
  private List<PlacementRecord> emitted;

  public PlacementController(PlacementState state) {
    this.state = state;
  }

  public PlacementState state() {
    return state;
  }

  /** Executes one command at log time {@code logTime} (clamped so time never goes backwards). */
  public Result execute(PlacementCommand command, long logTime) {
    emitted = new ArrayList<>();
    if (logTime > state.time()) {
      emit(new PlacementRecord.ClockAdvanced(logTime));
    }
    PlacementReply reply = dispatch(command);
    Result result = new Result(List.copyOf(emitted), reply);
    emitted = null;
    return result;
  }

  private PlacementReply dispatch(PlacementCommand command) {
    if (command instanceof ReserveSequences c) {
      return reserve(c);
    } else if (command instanceof Register c) {
      return register(c);
    } else if (command instanceof Heartbeat c) {
      return heartbeat(c);
    } else if (command instanceof Leave c) {
      return leave(c);
    } else if (command instanceof Tick) {
      housekeeping();
      return new PlacementReply.Ok(state.version());
    } else if (command instanceof LeaderChanged) {
      emit(new PlacementRecord.GraceGranted(now() + state.config().leaseMillis()));
      return new PlacementReply.Ok(state.version());
    } else if (command instanceof Move c) {
      return move(c);
    } else if (command instanceof Split c) {
      return split(c);
    } else if (command instanceof Merge c) {
      return merge(c);
    } else if (command instanceof ReportSeal c) {
      return reportSeal(c);
    } else if (command instanceof Compact c) {
      return compact(c);
    }
    throw new IllegalArgumentException("unknown command " + command);
  }

  // ------------------------------------------------------------------ membership

  private PlacementReply reserve(ReserveSequences c) {
    if (state.clusterId().isPresent() && !state.clusterId().get().equals(c.clusterId())) {
      return new Rejected(
          Code.CONFLICT,
          "the store belongs to cluster "
              + c.clusterId()
              + " but placement has "
              + state.clusterId().get());
    }
    if (c.lastSeq() < c.firstSeq() || c.lastSeq() <= state.lastSeq()) {
      return new Rejected(Code.CONFLICT, "reservation does not extend the sequences already held");
    }
    emit(new PlacementRecord.SequencesReserved(c.clusterId(), c.firstSeq(), c.lastSeq()));
    housekeeping();
    return new PlacementReply.Ok(state.version());
  }

  private PlacementReply register(Register c) {
    Optional<Member> existing = state.member(c.nodeId());
    if (existing.isPresent() && existing.get().incarnation() > c.incarnation()) {
      return new Rejected(
          Code.STALE_INCARNATION, "node " + c.nodeId() + " already registered a newer incarnation");
    }
    if (existing.isPresent() && existing.get().incarnation() == c.incarnation()) {
      emit(new PlacementRecord.MemberRenewed(c.nodeId()));
    } else {
      // A new incarnation never resumes a lease in place: the old one's segments become orphans,
      // and housekeeping gives them successors (DESIGN invariant 9).
      existing.ifPresent(m -> emit(new PlacementRecord.MemberRemoved(m.nodeId())));
      emit(
          new PlacementRecord.MemberJoined(
              c.nodeId(), c.incarnation(), c.httpAddress(), c.raftAddress()));
    }
    housekeeping();
    return leased(c.nodeId());
  }

  private PlacementReply heartbeat(Heartbeat c) {
    Optional<Member> m = state.member(c.nodeId());
    if (m.isEmpty()) {
      return new Rejected(
          Code.UNKNOWN_MEMBER, "node " + c.nodeId() + " is not a member; register again");
    }
    if (m.get().incarnation() != c.incarnation()) {
      return new Rejected(
          Code.STALE_INCARNATION, "node " + c.nodeId() + " is registered with another incarnation");
    }
    emit(new PlacementRecord.MemberRenewed(c.nodeId()));
    housekeeping();
    return leased(c.nodeId());
  }

  private PlacementReply leased(String nodeId) {
    long deadline = state.member(nodeId).map(Member::leaseDeadline).orElse(0L);
    return new PlacementReply.Leased(state.version(), deadline);
  }

  private PlacementReply leave(Leave c) {
    Optional<Member> m = state.member(c.nodeId());
    if (m.isEmpty()) {
      return new PlacementReply.Ok(state.version());
    }
    if (m.get().incarnation() != c.incarnation()) {
      return new Rejected(
          Code.STALE_INCARNATION, "node " + c.nodeId() + " has another incarnation");
    }
    if (!m.get().leaving()) {
      emit(new PlacementRecord.MemberLeaving(c.nodeId()));
    }
    housekeeping();
    return new PlacementReply.Ok(state.version());
  }

  // ------------------------------------------------------------------ housekeeping

  /** Expire lapsed leases, assign the ring, re-home orphans, rebalance, drop drained leavers. */
  private void housekeeping() {
    long now = now();
    if (now >= state.graceUntil()) {
      for (Member m : state.members()) {
        if (m.leaseDeadline() < now) {
          emit(new PlacementRecord.MemberRemoved(m.nodeId()));
        }
      }
    }
    if (state.clusterId().isEmpty()) {
      return;
    }
    List<Member> live = state.liveMembers(now);
    if (state.segments().isEmpty()) {
      if (live.size() >= state.config().expectedVoters()) {
        assignRing(live);
      }
      return;
    }
    if (live.isEmpty()) {
      return;
    }
    for (Segment s : state.openSegments()) {
      if (!isLiveOwner(s) && hasSequences(1)) {
        successor(s, leastLoaded(live, null).nodeId());
      }
    }
    rebalance(live);
    for (Member m : state.members()) {
      if (m.leaving() && load(m.nodeId()) == 0) {
        emit(new PlacementRecord.MemberRemoved(m.nodeId()));
      }
    }
  }

  /**
   * Whether the segment's owner still holds it: same incarnation, not leaving. A lapsed lease is
   * handled by expiry (which removes the member), so that a new leader's grace period holds.
   */
  private boolean isLiveOwner(Segment s) {
    return state
        .member(s.owner())
        .filter(m -> m.incarnation() == s.ownerIncarnation() && !m.leaving())
        .isPresent();
  }

  private void assignRing(List<Member> live) {
    int n = state.config().ringSegments();
    if (!hasSequences(n)) {
      return;
    }
    // Equal slices of 2^64 points; the last one takes the remainder.
    long width = Long.divideUnsigned(-1L, n) + (Long.remainderUnsigned(-1L, n) == n - 1 ? 1 : 0);
    long first = 0;
    for (int i = 0; i < n; i++) {
      long last = i == n - 1 ? -1L : first + width - 1;
      Member owner = live.get(i % live.size());
      open(new SegmentId(state.nextSeq(), first, last), owner, List.of());
      first = last + 1;
    }
  }

  private void rebalance(List<Member> live) {
    for (int moves = 0; moves < state.config().maxMovesPerTick() && hasSequences(1); moves++) {
      Member most = live.stream().max(byLoad()).orElseThrow();
      Member least = leastLoaded(live, null);
      if (load(most.nodeId()) - load(least.nodeId()) <= 1) {
        return;
      }
      Segment victim =
          state.openSegments().stream()
              .filter(s -> s.owner().equals(most.nodeId()))
              .min(Comparator.comparing(Segment::id))
              .orElseThrow();
      successor(victim, least.nodeId());
    }
  }

  private Comparator<Member> byLoad() {
    Map<String, Integer> loads = loads();
    return Comparator.<Member>comparingInt(m -> loads.getOrDefault(m.nodeId(), 0))
        .thenComparing(Member::nodeId);
  }

  private Member leastLoaded(List<Member> live, String except) {
    return live.stream().filter(m -> !m.nodeId().equals(except)).min(byLoad()).orElse(null);
  }

  private Map<String, Integer> loads() {
    Map<String, Integer> loads = new TreeMap<>();
    for (Segment s : state.openSegments()) {
      loads.merge(s.owner(), 1, Integer::sum);
    }
    return loads;
  }

  private int load(String nodeId) {
    return loads().getOrDefault(nodeId, 0);
  }

  // ------------------------------------------------------------------ topology commands

  private PlacementReply move(Move c) {
    Object found = openSegment(c.segment());
    if (found instanceof Rejected r) {
      return r;
    }
    Segment s = (Segment) found;
    Optional<Member> target =
        state.liveMembers(now()).stream().filter(m -> m.nodeId().equals(c.toNode())).findFirst();
    if (target.isEmpty()) {
      return new Rejected(Code.NO_LIVE_TARGET, "node " + c.toNode() + " is not a live member");
    }
    if (!hasSequences(1)) {
      return exhausted();
    }
    SegmentId created = successor(s, c.toNode());
    return new PlacementReply.Changed(state.version(), List.of(created));
  }

  private PlacementReply split(Split c) {
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
    if (!hasSequences(2)) {
      return exhausted();
    }
    Member owner = ownerOrLeastLoaded(s);
    SegmentId lower = new SegmentId(state.nextSeq(), id.first(), at - 1);
    SegmentId upper = new SegmentId(state.nextSeq() + 1, at, id.last());
    emit(new PlacementRecord.SegmentSealed(id, List.of(lower, upper)));
    open(lower, owner, List.of(id));
    open(upper, owner, List.of(id));
    return new PlacementReply.Changed(state.version(), List.of(lower, upper));
  }

  private PlacementReply merge(Merge c) {
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
    if (!hasSequences(1)) {
      return exhausted();
    }
    Member owner = ownerOrLeastLoaded(lo);
    SegmentId union = new SegmentId(state.nextSeq(), lo.id().first(), hi.id().last());
    emit(new PlacementRecord.SegmentSealed(lo.id(), List.of(union)));
    emit(new PlacementRecord.SegmentSealed(hi.id(), List.of(union)));
    open(union, owner, List.of(lo.id(), hi.id()));
    return new PlacementReply.Changed(state.version(), List.of(union));
  }

  private PlacementReply reportSeal(ReportSeal c) {
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
    emit(new PlacementRecord.FinalCounterRecorded(c.segment(), c.finalCounter()));
    return new PlacementReply.Ok(state.version());
  }

  private PlacementReply compact(Compact c) {
    if (c.translationGraceMillis() < 0) {
      return new Rejected(Code.NOT_COMPACTABLE, "the translation grace period is negative");
    }
    Optional<String> refusal = Compaction.refusal(c.run(), state::segmentAt);
    if (refusal.isPresent()) {
      return new Rejected(Code.NOT_COMPACTABLE, refusal.get());
    }
    long grace = c.translationGraceMillis();
    long until = grace > Long.MAX_VALUE - now() ? Long.MAX_VALUE : now() + grace;
    emit(new PlacementRecord.SegmentsCompacted(c.run(), until));
    return new PlacementReply.Changed(state.version(), List.of(c.run().get(0)));
  }

  // ------------------------------------------------------------------ helpers

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
    if (isLiveOwner(s)) {
      return state.member(s.owner()).orElseThrow();
    }
    List<Member> live = state.liveMembers(now());
    return live.isEmpty()
        ? state.member(s.owner()).orElse(placeholder(s))
        : leastLoaded(live, null);
  }

  /**
   * An owner record for a segment whose owner is gone and no one is live: housekeeping re-homes it.
   */
  private static Member placeholder(Segment s) {
    return new Member(s.owner(), s.ownerIncarnation(), "", "", 0, 0, false);
  }

  private SegmentId successor(Segment s, String toNode) {
    Member to = state.member(toNode).orElseThrow();
    SegmentId next = new SegmentId(state.nextSeq(), s.id().first(), s.id().last());
    emit(new PlacementRecord.SegmentSealed(s.id(), List.of(next)));
    open(next, to, List.of(s.id()));
    return next;
  }

  private void open(SegmentId id, Member owner, List<SegmentId> predecessors) {
    emit(
        new PlacementRecord.SegmentOpened(
            id, owner.nodeId(), owner.incarnation(), state.maxEpoch() + 1, predecessors));
  }

  private boolean hasSequences(int n) {
    return state.clusterId().isPresent() && state.nextSeq() + n - 1 <= state.lastSeq();
  }

  private Rejected exhausted() {
    return new Rejected(
        Code.SEQUENCES_EXHAUSTED,
        "no segment sequences left; the leader reserves more in storage, retry shortly");
  }

  private long now() {
    return state.time();
  }

  private void emit(PlacementRecord record) {
    state.replay(record);
    emitted.add(record);
  }
}
