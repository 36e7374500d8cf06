package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.placement.PlacementCommand.Heartbeat;
import io.fossil.placement.PlacementCommand.Register;
import io.fossil.placement.PlacementCommand.ReserveSequences;
import io.fossil.placement.PlacementCommand.Tick;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The grace the state machine grants by itself (ADR 10): on the first command of a new Raft term,
 * and when log time jumped because no command was logged for a while. Log time and terms are chosen
 * by the test, as Raft would hand them to the controller.
 */
class LeaderGraceTest {

  private static final long LEASE = 10_000;

  /** Below the jump that grants grace (a quarter lease). */
  private static final long STEP = 2_000;

  private PlacementState state;
  private PlacementController controller;
  private List<Segment> n2Segments;

  /** n1 and n2 registered at 0 in term 1; n2 last heard from at 0, so its lease ends at 10 000. */
  @BeforeEach
  void twoNodes() {
    state = new PlacementState(new PlacementConfig(4, 2, LEASE, 4));
    controller = new PlacementController(state);
    controller.execute(new ReserveSequences("c", 1, 1000), 0, 1);
    controller.execute(new Register("n1", 1, "http://n1", "n1:1"), 0, 1);
    controller.execute(new Register("n2", 1, "http://n2", "n2:1"), 0, 1);
    assertThat(state.term()).isEqualTo(1);
    n2Segments = ownedBy("n2");
    assertThat(n2Segments).hasSize(2);
    for (long t = STEP; t <= 4 * STEP; t += STEP) {
      controller.execute(new Heartbeat("n1", 1), t, 1);
    }
    assertThat(state.member("n2").orElseThrow().leaseDeadline()).isEqualTo(LEASE);
  }

  @Test
  void aHeartbeatThatOpensANewTermDoesNotExpireTheOthers() {
    // The old leader is gone; the new one's first command is n1's heartbeat, past n2's deadline.
    long now = 4 * STEP + STEP + 1;
    assertThat(now).isGreaterThan(LEASE);
    controller.execute(new Heartbeat("n1", 1), now, 2);

    assertThat(state.term()).isEqualTo(2);
    assertThat(state.member("n2")).as("n2 had no leader to renew with").isPresent();
    assertThat(ownedBy("n2")).isEqualTo(n2Segments);
    assertThat(state.graceUntil()).isEqualTo(now + LEASE);

    // The grace is one lease: n2, still silent, loses its segments when it ends.
    long t = now;
    while (t + STEP < now + LEASE) {
      t += STEP;
      controller.execute(new Heartbeat("n1", 1), t, 2);
      assertThat(state.member("n2")).isPresent();
    }
    controller.execute(new Tick(), now + LEASE, 2);
    assertThat(state.member("n2")).isEmpty();
    assertThat(ownedBy("n2")).isEmpty();
  }

  @Test
  void aJumpInLogTimeWithinATermDoesNotExpireTheOthers() {
    // The leader was paused (no election: say its one follower was down) and resumes: the first
    // command it stamps is far past the previous one and past n2's deadline.
    long now = 4 * STEP + LEASE / PlacementController.JUMP_DIVISOR + 1;
    assertThat(now).isGreaterThan(LEASE);
    controller.execute(new Heartbeat("n1", 1), now, 1);
    assertThat(state.member("n2")).isPresent();
    assertThat(ownedBy("n2")).isEqualTo(n2Segments);
    assertThat(state.graceUntil()).isEqualTo(now + LEASE);
  }

  @Test
  void fromFormat4OnANewTermGrantsHalfALease() {
    long now = 4 * STEP + STEP + 1;
    controller.execute(new Heartbeat("n1", 1), now, 2, 4);
    assertThat(state.member("n2")).as("n2 had no leader to renew with").isPresent();
    assertThat(state.graceUntil()).isEqualTo(now + LEASE / 2);
    controller.execute(new Heartbeat("n1", 1), now + LEASE / 4, 2, 4);
    assertThat(state.member("n2")).isPresent();
    controller.execute(new Tick(), now + LEASE / 2, 2, 4);
    assertThat(state.member("n2")).as("the grace has ended").isEmpty();
  }

  @Test
  void aLogThatKeepsMovingExpiresASilentNodeAtItsDeadline() {
    controller.execute(new Tick(), LEASE, 1);
    assertThat(state.member("n2")).isPresent();
    controller.execute(new Tick(), LEASE + 1, 1);
    assertThat(state.member("n2")).isEmpty();
    assertThat(ownedBy("n1")).hasSize(4);
  }

  @Test
  void aCommandWithoutATermReplaysAsBeforeTermsWereTracked() {
    // Logged in an older format: neither its term nor the jump in log time grants grace.
    controller.execute(new Heartbeat("n1", 1), 4 * STEP + LEASE, 0);
    assertThat(state.member("n2")).isEmpty();
    assertThat(state.term()).isEqualTo(1);
  }

  private List<Segment> ownedBy(String node) {
    return state.openSegments().stream().filter(s -> s.owner().equals(node)).toList();
  }
}
