package io.fossil.placement;

import io.fossil.placement.PlacementRecord.ClockAdvanced;
import io.fossil.placement.PlacementRecord.FinalCounterRecorded;
import io.fossil.placement.PlacementRecord.GraceGranted;
import io.fossil.placement.PlacementRecord.MemberJoined;
import io.fossil.placement.PlacementRecord.MemberLeaving;
import io.fossil.placement.PlacementRecord.MemberRemoved;
import io.fossil.placement.PlacementRecord.MemberRenewed;
import io.fossil.placement.PlacementRecord.SegmentOpened;
import io.fossil.placement.PlacementRecord.SegmentSealed;
import io.fossil.placement.PlacementRecord.SegmentsCompacted;
import io.fossil.placement.PlacementRecord.SequencesReserved;
import io.fossil.placement.PlacementRecord.TermBegan;
import io.fossil.position.SegmentId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replicated placement state: members, the segment DAG, leases, sequences, log time. {@link
 * #replay} is the only mutation and it throws {@link IllegalStateException} on a record that would
 * break an invariant — that is a bug in the controller, never an expected outcome.
 *
 * <p>Invariants kept by replay: time never goes backwards; segment sequences and epochs strictly
 * grow; an open segment never overlaps another open segment; a sealed segment never reopens; every
 * predecessor of a new segment is sealed and names it as a successor. Coverage of the whole ring by
 * open segments is kept by the controller (every seal is paired with successors covering it).
 *
 * <p>Not thread-safe: one thread (the state machine's apply thread) owns it; readers get {@link
 * #view()} copies.
 */
public final class PlacementState {

  private final PlacementConfig config;
  private final NavigableMap<String, Member> members = new TreeMap<>();
  private final NavigableMap<Long, Segment> segments = new TreeMap<>();
  private final NavigableMap<Long, SegmentId> openByFirst = new TreeMap<>(Long::compareUnsigned);
  private long version;
  private long time;
  private String clusterId;
  private long nextSeq = 1;
  private long lastSeq;
  private long maxEpoch;
  private long graceUntil;
  private long term;

  public PlacementState(PlacementConfig config) {
    this.config = config;
  }

  /** Rebuilds a state from a snapshot (see {@link PlacementCodec#restore}). */
  static PlacementState restored(
      PlacementConfig config,
      long version,
      long time,
      String clusterId,
      long nextSeq,
      long lastSeq,
      long maxEpoch,
      long graceUntil,
      long term,
      List<Member> members,
      List<Segment> segments) {
    PlacementState s = new PlacementState(config);
    s.version = version;
    s.time = time;
    s.clusterId = clusterId;
    s.nextSeq = nextSeq;
    s.lastSeq = lastSeq;
    s.maxEpoch = maxEpoch;
    s.graceUntil = graceUntil;
    s.term = term;
    for (Member m : members) {
      s.members.put(m.nodeId(), m);
    }
    for (Segment seg : segments) {
      s.segments.put(seg.id().seq(), seg);
      if (seg.isOpen()) {
        s.openByFirst.put(seg.id().first(), seg.id());
      }
    }
    return s;
  }

  public PlacementConfig config() {
    return config;
  }

  /** Number of records replayed so far. */
  public long version() {
    return version;
  }

  /** Log time of the last command (ms since the epoch, as stamped by a leader). */
  public long time() {
    return time;
  }

  public Optional<String> clusterId() {
    return Optional.ofNullable(clusterId);
  }

  public long nextSeq() {
    return nextSeq;
  }

  public long lastSeq() {
    return lastSeq;
  }

  public long maxEpoch() {
    return maxEpoch;
  }

  public long graceUntil() {
    return graceUntil;
  }

  /**
   * The Raft term of the last command applied that carried one (0: none yet, or every command so
   * far was logged before terms were tracked).
   */
  public long term() {
    return term;
  }

  public Optional<Member> member(String nodeId) {
    return Optional.ofNullable(members.get(nodeId));
  }

  public List<Member> members() {
    return List.copyOf(members.values());
  }

  public Optional<Segment> segment(SegmentId id) {
    Segment s = segments.get(id.seq());
    return s != null && s.id().equals(id) ? Optional.of(s) : Optional.empty();
  }

  /** The segment with sequence {@code seq}, or null. */
  Segment segmentAt(long seq) {
    return segments.get(seq);
  }

  /** Every segment ever created and not compacted away, in creation order. */
  public List<Segment> segments() {
    return List.copyOf(segments.values());
  }

  /** The open segments in ring order. */
  public List<Segment> openSegments() {
    List<Segment> out = new ArrayList<>(openByFirst.size());
    for (SegmentId id : openByFirst.values()) {
      out.add(segments.get(id.seq()));
    }
    return out;
  }

  /** How many segments are open. */
  int openSegmentCount() {
    return openByFirst.size();
  }

  /** The open segment whose range holds {@code point}, if any. */
  public Optional<Segment> openSegmentAt(long point) {
    Map.Entry<Long, SegmentId> e = openByFirst.floorEntry(point);
    if (e == null || !e.getValue().contains(point)) {
      return Optional.empty();
    }
    return Optional.of(segments.get(e.getValue().seq()));
  }

  /** Members whose lease has not passed at {@code now} and that are not leaving. */
  public List<Member> liveMembers(long now) {
    List<Member> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (!m.leaving() && m.leaseDeadline() >= now) {
        out.add(m);
      }
    }
    return out;
  }

  /** An immutable copy for readers on other threads. */
  public PlacementView view() {
    return new PlacementView(
        version, time, clusterId, members(), segments(), config.leaseMillis(), nextSeq, lastSeq);
  }

  /** Applies one record. */
  public void replay(PlacementRecord record) {
    if (record instanceof ClockAdvanced r) {
      check(r.time() >= time, "time went backwards", r);
      time = r.time();
    } else if (record instanceof SequencesReserved r) {
      check(clusterId == null || clusterId.equals(r.clusterId()), "cluster id changed", r);
      check(r.lastSeq() >= r.firstSeq() && r.lastSeq() > lastSeq, "reservation does not grow", r);
      clusterId = r.clusterId();
      nextSeq = Math.max(nextSeq, r.firstSeq());
      lastSeq = r.lastSeq();
    } else if (record instanceof MemberJoined r) {
      check(!members.containsKey(r.nodeId()), "member joined twice", r);
      members.put(
          r.nodeId(),
          new Member(
              r.nodeId(),
              r.incarnation(),
              r.httpAddress(),
              r.raftAddress(),
              time,
              time + config.leaseMillis(),
              false,
              // A member joined by a command older than the rule counts as settled at once.
              r.settles() ? time : Long.MIN_VALUE / 2));
    } else if (record instanceof MemberRenewed r) {
      Member m = members.get(r.nodeId());
      check(m != null, "renewal of an unknown member", r);
      members.put(r.nodeId(), m.withHeartbeat(time, time + config.leaseMillis()));
    } else if (record instanceof MemberLeaving r) {
      Member m = members.get(r.nodeId());
      check(m != null, "unknown member is leaving", r);
      members.put(r.nodeId(), m.asLeaving());
    } else if (record instanceof MemberRemoved r) {
      check(members.remove(r.nodeId()) != null, "removal of an unknown member", r);
    } else if (record instanceof GraceGranted r) {
      graceUntil = Math.max(graceUntil, r.until());
    } else if (record instanceof TermBegan r) {
      check(r.term() > term, "term did not grow", r);
      term = r.term();
    } else if (record instanceof SegmentOpened r) {
      replayOpened(r);
    } else if (record instanceof SegmentSealed r) {
      Segment s = segments.get(r.id().seq());
      check(s != null && s.id().equals(r.id()), "seal of an unknown segment", r);
      check(s.isOpen(), "a sealed segment was sealed again", r);
      segments.put(s.id().seq(), s.sealed(r.successors()));
      openByFirst.remove(s.id().first());
    } else if (record instanceof FinalCounterRecorded r) {
      Segment s = segments.get(r.id().seq());
      check(s != null && !s.isOpen(), "final counter of a segment that is not sealed", r);
      check(r.finalCounter() >= -1, "final counter below -1", r);
      check(!s.finalKnown() || s.finalCounter() == r.finalCounter(), "final counter changed", r);
      segments.put(s.id().seq(), s.withFinalCounter(r.finalCounter()));
    } else if (record instanceof SegmentsCompacted r) {
      replayCompacted(r);
    } else {
      throw new IllegalStateException("unknown record " + record);
    }
    version++;
  }

  private void replayOpened(SegmentOpened r) {
    SegmentId id = r.id();
    check(id.seq() == nextSeq, "segment sequence out of order", r);
    check(id.seq() <= lastSeq, "segment sequence beyond the reservation", r);
    check(r.epoch() > maxEpoch, "epoch does not grow", r);
    Map.Entry<Long, SegmentId> below = openByFirst.floorEntry(id.last());
    check(below == null || !below.getValue().overlaps(id), "overlaps an open segment", r);
    for (SegmentId p : r.predecessors()) {
      Segment pred = segments.get(p.seq());
      check(pred != null && !pred.isOpen(), "predecessor is not sealed", r);
      check(pred.successors().contains(id), "predecessor does not name this successor", r);
      check(p.overlaps(id), "predecessor does not overlap its successor", r);
    }
    segments.put(
        id.seq(),
        new Segment(
            id,
            Segment.State.OPEN,
            r.owner(),
            r.ownerIncarnation(),
            r.epoch(),
            r.predecessors(),
            List.of(),
            Segment.FINAL_UNKNOWN));
    openByFirst.put(id.first(), id);
    nextSeq = id.seq() + 1;
    maxEpoch = r.epoch();
  }

  /**
   * The run becomes one segment with its first member's identity: the members' stored parts in
   * order, each shifted by the events before it; the first member's predecessors and the last one's
   * successors; the later members' ids leave the DAG and are translated until {@code
   * translatedUntil}.
   */
  private void replayCompacted(SegmentsCompacted r) {
    List<SegmentId> run = r.run();
    Compaction.refusal(run, segments::get)
        .ifPresent(why -> check(false, "compaction refused: " + why, r));
    List<Segment> members = new ArrayList<>(run.size());
    for (SegmentId id : run) {
      members.add(segments.get(id.seq()));
    }
    List<Segment.Part> parts = new ArrayList<>();
    List<Segment.Translation> translations = new ArrayList<>();
    long offset = 0;
    for (Segment m : members) {
      for (Segment.Part p : m.storedParts()) {
        parts.add(new Segment.Part(p.id(), offset + p.offset(), p.finalCounter()));
      }
      for (Segment.Translation t : m.translations()) {
        translations.add(
            new Segment.Translation(t.from(), offset + t.offset(), t.lastCounter(), t.until()));
      }
      if (m != members.get(0)) {
        translations.add(
            new Segment.Translation(m.id(), offset, m.finalCounter(), r.translatedUntil()));
      }
      offset += m.finalCounter() + 1;
    }
    Segment head = members.get(0);
    Segment tail = members.get(members.size() - 1);
    Segment compacted =
        new Segment(
            head.id(),
            Segment.State.SEALED,
            head.owner(),
            head.ownerIncarnation(),
            head.epoch(),
            head.predecessors(),
            tail.successors(),
            offset - 1,
            parts,
            translations);
    for (Segment m : members.subList(1, members.size())) {
      segments.remove(m.id().seq());
    }
    segments.put(head.id().seq(), compacted);
    for (SegmentId next : tail.successors()) {
      Segment n = segments.get(next.seq());
      List<SegmentId> preds = new ArrayList<>(n.predecessors());
      preds.replaceAll(p -> p.equals(tail.id()) ? head.id() : p);
      segments.put(next.seq(), n.withPredecessors(preds));
    }
  }

  private static void check(boolean condition, String what, PlacementRecord record) {
    if (!condition) {
      throw new IllegalStateException("placement invariant broken: " + what + ": " + record);
    }
  }
}
