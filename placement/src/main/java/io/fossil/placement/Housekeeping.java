package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What placement does on every membership command and tick: expire lapsed leases, assign the ring,
 * give orphaned segments successors, rebalance, drop drained leavers; and the load measure that
 * chooses owners. Deterministic, like {@link PlacementController}, which owns it; runs on the state
 * machine's apply thread.
 */
final class Housekeeping {

  private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

  private final CommandRecords records;
  private final PlacementState state;

  Housekeeping(CommandRecords records) {
    this.records = records;
    this.state = records.state();
  }

  /** Expire lapsed leases, assign the ring, re-home orphans, rebalance, drop drained leavers. */
  void run() {
    long now = records.now();
    if (now >= state.graceUntil()) {
      for (Member m : state.members()) {
        if (m.leaseDeadline() < now) {
          LOG.info(
              "placement: the lease of node {} (incarnation {}) lapsed {} ms ago; its segments"
                  + " get successors",
              m.nodeId(),
              m.incarnation(),
              now - m.leaseDeadline());
          records.emit(new PlacementRecord.MemberRemoved(m.nodeId()));
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
    // A member that just registered (a node restarting, warming up) gets orphans only when no
    // settled member is live, and no segment of a live owner until it has settled (ADR 30).
    List<Member> settled = live.stream().filter(m -> m.settled(now, state.config())).toList();
    List<Member> heirs = settled.isEmpty() ? live : settled;
    for (Segment s : state.openSegments()) {
      if (!isLiveOwner(s) && records.hasSequences(1)) {
        records.successor(s, leastLoaded(heirs, null).nodeId());
      }
    }
    rebalance(live, settled);
    for (Member m : state.members()) {
      if (m.leaving() && load(m.nodeId()) == 0) {
        records.emit(new PlacementRecord.MemberRemoved(m.nodeId()));
      }
    }
  }

  /**
   * Whether the segment's owner still holds it: same incarnation, not leaving. A lapsed lease is
   * handled by expiry (which removes the member), so that a new leader's grace period holds.
   */
  boolean isLiveOwner(Segment s) {
    return state
        .member(s.owner())
        .filter(m -> m.incarnation() == s.ownerIncarnation() && !m.leaving())
        .isPresent();
  }

  private void assignRing(List<Member> live) {
    int n = state.config().ringSegments();
    if (!records.hasSequences(n)) {
      return;
    }
    // Equal slices of 2^64 points; the last one takes the remainder.
    long width = Long.divideUnsigned(-1L, n) + (Long.remainderUnsigned(-1L, n) == n - 1 ? 1 : 0);
    long first = 0;
    for (int i = 0; i < n; i++) {
      long last = i == n - 1 ? -1L : first + width - 1;
      Member owner = live.get(i % live.size());
      records.open(new SegmentId(state.nextSeq(), first, last), owner, List.of());
      first = last + 1;
    }
  }

  /** Moves segments from the most loaded live member to the least loaded settled one. */
  private void rebalance(List<Member> live, List<Member> settled) {
    if (settled.isEmpty()) {
      return;
    }
    for (int moves = 0;
        moves < state.config().maxMovesPerTick() && records.hasSequences(1);
        moves++) {
      Member most = live.stream().max(byLoad()).orElseThrow();
      Member least = leastLoaded(settled, null);
      if (load(most.nodeId()) - load(least.nodeId()) <= 1) {
        return;
      }
      Segment victim =
          state.openSegments().stream()
              .filter(s -> s.owner().equals(most.nodeId()))
              .min(Comparator.comparing(Segment::id))
              .orElseThrow();
      records.successor(victim, least.nodeId());
    }
  }

  private Comparator<Member> byLoad() {
    Map<String, Integer> loads = loads();
    return Comparator.<Member>comparingInt(m -> loads.getOrDefault(m.nodeId(), 0))
        .thenComparing(Member::nodeId);
  }

  Member leastLoaded(List<Member> live, String except) {
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
}
