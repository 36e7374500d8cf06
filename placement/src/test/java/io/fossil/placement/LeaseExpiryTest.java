package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.placement.PlacementCommand.Heartbeat;
import io.fossil.placement.PlacementCommand.LeaderChanged;
import io.fossil.placement.PlacementCommand.Register;
import io.fossil.placement.PlacementCommand.ReserveSequences;
import io.fossil.placement.PlacementCommand.Tick;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lease expiry with log time chosen by the test: no wall clock anywhere. */
class LeaseExpiryTest {

  private static final long LEASE = 10_000;

  private PlacementState state;
  private PlacementController controller;

  @BeforeEach
  void twoNodes() {
    state = new PlacementState(new PlacementConfig(4, 2, LEASE, 4));
    controller = new PlacementController(state);
    controller.execute(new ReserveSequences("c", 1, 1000), 0);
    controller.execute(new Register("n1", 1, "http://n1", "n1:1"), 0);
    assertThat(state.segments()).as("no assignment before the expected voters joined").isEmpty();
    controller.execute(new Register("n2", 1, "http://n2", "n2:1"), 0);
    assertThat(ownedBy("n1")).hasSize(2);
    assertThat(ownedBy("n2")).hasSize(2);
  }

  @Test
  void aSilentNodeKeepsItsSegmentsUntilItsLeasePassesAndNotAfter() {
    controller.execute(new Heartbeat("n1", 1), 6_000);
    List<Segment> n2Before = ownedBy("n2");
    controller.execute(new Tick(), LEASE); // n2's deadline is exactly now: still its lease
    assertThat(ownedBy("n2")).isEqualTo(n2Before);

    long maxEpoch = state.maxEpoch();
    controller.execute(new Tick(), LEASE + 1);
    assertThat(ownedBy("n2")).isEmpty();
    assertThat(state.member("n2")).isEmpty();
    assertThat(ownedBy("n1")).hasSize(4);
    for (Segment old : n2Before) {
      Segment sealed = state.segment(old.id()).orElseThrow();
      assertThat(sealed.isOpen()).isFalse();
      Segment successor = state.segment(sealed.successors().get(0)).orElseThrow();
      assertThat(successor.id().first()).isEqualTo(old.id().first());
      assertThat(successor.id().last()).isEqualTo(old.id().last());
      assertThat(successor.predecessors()).containsExactly(old.id());
      assertThat(successor.epoch()).isGreaterThan(maxEpoch);
    }
  }

  @Test
  void aNewLeaderGrantsOneLeasePeriodOfGrace() {
    controller.execute(new LeaderChanged(), 9_000);
    controller.execute(new Heartbeat("n1", 1), 9_000);
    controller.execute(new Tick(), 18_999);
    assertThat(ownedBy("n2")).as("still in grace").hasSize(2);
    controller.execute(new Heartbeat("n1", 1), 19_000);
    controller.execute(new Tick(), 19_001);
    assertThat(ownedBy("n2")).isEmpty();
  }

  @Test
  void aNewIncarnationNeverResumesItsSegmentsInPlace() {
    List<Segment> before = ownedBy("n1");
    controller.execute(new Register("n1", 2, "http://n1", "n1:1"), 1_000);
    for (Segment old : before) {
      assertThat(state.segment(old.id()).orElseThrow().isOpen()).isFalse();
    }
    assertThat(state.openSegments()).allSatisfy(s -> assertThat(s.id().seq()).isGreaterThan(0));
    assertThat(state.openSegments().stream().filter(s -> s.owner().equals("n1")))
        .allSatisfy(s -> assertThat(s.ownerIncarnation()).isEqualTo(2));
    PlacementReply stale = controller.execute(new Heartbeat("n1", 1), 2_000).reply();
    assertThat(stale).isInstanceOf(PlacementReply.Rejected.class);
    assertThat(((PlacementReply.Rejected) stale).code())
        .isEqualTo(PlacementReply.Code.STALE_INCARNATION);
  }

  @Test
  void aJoiningNodeTakesSegmentsFromLiveOwnersOnlyOnceItHasSettled() {
    long delay = state.config().rebalanceDelayMillis();
    controller.execute(new Register("n3", 1, "http://n3", "n3:1"), 1_000);
    long t = 1_000;
    for (; t < 1_000 + delay; t += LEASE / 2) {
      heartbeatAll(t);
      controller.execute(new Tick(), t + 1);
      assertThat(ownedBy("n3")).as("n3 joined %d ms ago: not settled", t + 1 - 1_000).isEmpty();
    }
    heartbeatAll(t);
    controller.execute(new Tick(), 1_000 + delay);
    assertThat(ownedBy("n3")).hasSizeGreaterThanOrEqualTo(1);
    int max = Math.max(ownedBy("n1").size(), Math.max(ownedBy("n2").size(), ownedBy("n3").size()));
    int min = Math.min(ownedBy("n1").size(), Math.min(ownedBy("n2").size(), ownedBy("n3").size()));
    assertThat(max - min).isLessThanOrEqualTo(1);
  }

  @Test
  void orphansGoToASettledMemberBeforeOneThatJustJoined() {
    long settledAt = state.config().rebalanceDelayMillis();
    keepAliveUntil(settledAt - LEASE / 2);
    controller.execute(new Register("n3", 1, "http://n3", "n3:1"), settledAt);
    // n2 goes silent; n1 and n3 keep heartbeating until n2's lease has passed.
    controller.execute(new Heartbeat("n1", 1), settledAt + 1);
    controller.execute(new Heartbeat("n3", 1), settledAt + 1);
    controller.execute(new Tick(), settledAt + LEASE / 2 + 1);
    assertThat(ownedBy("n2")).isEmpty();
    assertThat(ownedBy("n1")).hasSize(4);
    assertThat(ownedBy("n3")).as("n3 just joined: the orphans go to n1").isEmpty();
  }

  @Test
  void orphansGoToANewMemberWhenNoSettledOneIsLive() {
    long settledAt = state.config().rebalanceDelayMillis();
    keepAliveUntil(settledAt - LEASE / 2);
    // n1 restarts with a new incarnation while n2 goes silent: only the new n1 is live.
    controller.execute(new Register("n1", 2, "http://n1", "n1:1"), settledAt);
    controller.execute(new Tick(), settledAt + LEASE / 2 + 1);
    assertThat(state.member("n2")).isEmpty();
    assertThat(ownedBy("n1"))
        .hasSize(4)
        .allSatisfy(s -> assertThat(s.ownerIncarnation()).isEqualTo(2));
  }

  /** Every member heartbeats every half lease from the state's time until {@code until}. */
  private void keepAliveUntil(long until) {
    for (long t = state.time() + LEASE / 2; t < until; t += LEASE / 2) {
      heartbeatAll(t);
    }
    heartbeatAll(until);
  }

  private void heartbeatAll(long time) {
    for (Member m : state.members()) {
      controller.execute(new Heartbeat(m.nodeId(), m.incarnation()), time);
    }
  }

  @Test
  void aLeavingNodeHandsItsSegmentsAwayThenDisappears() {
    controller.execute(new PlacementCommand.Leave("n2", 1), 1_000);
    assertThat(ownedBy("n2")).isEmpty();
    assertThat(state.member("n2")).isEmpty();
    assertThat(ownedBy("n1")).hasSize(4);
  }

  private List<Segment> ownedBy(String node) {
    return state.openSegments().stream().filter(s -> s.owner().equals(node)).toList();
  }
}
