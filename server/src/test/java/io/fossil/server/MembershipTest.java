package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.ViewWaiters;
import io.fossil.position.SegmentId;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Membership without a cluster: a scripted placement group and a clock the test moves, so leases
 * lapse and readiness changes exactly when the test says.
 */
class MembershipTest {

  private static final Duration LEASE = Duration.ofSeconds(10);
  private static final Duration MARGIN = Duration.ofSeconds(2);

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicBoolean closing = new AtomicBoolean();
  private final ScriptedPlacement placement = new ScriptedPlacement();
  private final ViewWaiters views = new ViewWaiters(view(1, List.of()));
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final Membership membership =
      new Membership(
          config(2),
          42,
          placement,
          views,
          new Membership.Listener() {
            @Override
            public void leaseRenewed(long deadlineNanos) {
              heard.add("renewed until " + deadlineNanos);
            }

            @Override
            public void leaseLost() {
              heard.add("lost");
            }
          },
          closing::get,
          nanos::get);

  @Test
  void readinessSaysWhatTheNodeWaitsFor() throws Exception {
    assertThat(membership.notReadyReason())
        .isEqualTo("not yet registered with the placement group");

    membership.start(CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS);
    assertThat(membership.notReadyReason())
        .isEqualTo("the ring is not assigned yet: waiting for 2 nodes to register");

    views.publish(view(2, List.of(openSegment("n1"))));
    assertThat(membership.notReadyReason()).isNull();

    closing.set(true);
    assertThat(membership.notReadyReason()).isEqualTo("the node is shutting down");
  }

  @Test
  void aLapsedLeaseIsReportedWithTheLastFailureUntilAHeartbeatIsAcknowledged() throws Exception {
    membership.start(CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS);
    views.publish(view(2, List.of(openSegment("n1"))));
    long registeredAt = nanos.get();
    assertThat(membership.leaseDeadlineNanos())
        .isEqualTo(registeredAt + LEASE.toNanos() - MARGIN.toNanos());

    // Still held a moment before the local deadline; lapsed at it.
    nanos.addAndGet(LEASE.minus(MARGIN).toNanos() - 1);
    assertThat(membership.notReadyReason()).isNull();
    nanos.addAndGet(1);
    assertThat(membership.notReadyReason())
        .isEqualTo(
            "this node's lease has lapsed: the placement group has not acknowledged a heartbeat"
                + " for 8000 ms");

    placement.answer = c -> CompletableFuture.failedFuture(new IOException("no leader"));
    membership.heartbeat();
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
    assertThat(membership.notReadyReason())
        .isEqualTo(
            "this node's lease has lapsed: the placement group has not acknowledged a heartbeat"
                + " for 8500 ms; last: a heartbeat failed:"
                + " java.util.concurrent.CompletionException: java.io.IOException: no leader");

    placement.answer = ScriptedPlacement::leased;
    long sentAt = nanos.get();
    membership.heartbeat();
    assertThat(membership.notReadyReason()).isNull();
    assertThat(heard)
        .containsExactly("renewed until " + (sentAt + LEASE.toNanos() - MARGIN.toNanos()));
  }

  @Test
  void aNodeThePlacementGroupForgotRegistersAgain() throws Exception {
    membership.start(CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS);
    assertThat(placement.sent(PlacementCommand.Register.class)).isEqualTo(1);

    placement.answer =
        c ->
            c instanceof PlacementCommand.Heartbeat
                ? CompletableFuture.completedFuture(
                    new PlacementReply.Rejected(PlacementReply.Code.UNKNOWN_MEMBER, "who?"))
                : ScriptedPlacement.leased(c);
    membership.heartbeat();

    assertThat(heard).containsExactly("lost");
    assertThat(placement.sent(PlacementCommand.Register.class)).isEqualTo(2);
    assertThat(placement.commands.get(placement.commands.size() - 2))
        .isEqualTo(new PlacementCommand.Register("n1", 42, "n1.example:8081", "n1.example:7081"));
  }

  @Test
  void aStaleIncarnationLosesItsLeasesWithoutRegisteringAgain() throws Exception {
    membership.start(CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS);
    placement.answer =
        c ->
            CompletableFuture.completedFuture(
                new PlacementReply.Rejected(PlacementReply.Code.STALE_INCARNATION, "newer one"));
    membership.heartbeat();

    assertThat(heard).containsExactly("lost");
    assertThat(placement.sent(PlacementCommand.Register.class)).isEqualTo(1);
    assertThat(membership.notReadyReason()).startsWith("this node's lease has lapsed");
  }

  @Test
  void oneHeartbeatIsUnderWayAtATime() throws Exception {
    membership.start(CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS);
    CompletableFuture<PlacementReply> pending = new CompletableFuture<>();
    placement.answer = c -> pending;
    membership.heartbeat();
    membership.heartbeat();
    assertThat(placement.sent(PlacementCommand.Heartbeat.class)).isEqualTo(2); // start's and one

    pending.complete(new PlacementReply.Leased(3, 0));
    membership.heartbeat();
    assertThat(placement.sent(PlacementCommand.Heartbeat.class)).isEqualTo(3);
  }

  @Test
  void registrationFailsOnceThePlacementGroupHasNotAnsweredInTime() {
    placement.answer =
        c -> {
          nanos.addAndGet(Duration.ofSeconds(61).toNanos()); // the call took longer than allowed
          return CompletableFuture.failedFuture(new IOException("no leader"));
        };
    assertThatThrownBy(
            () ->
                membership.start(CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("the placement group did not answer within PT1M");
    assertThat(placement.sent(PlacementCommand.Register.class)).isEqualTo(1);
    assertThat(membership.notReadyReason())
        .isEqualTo("not yet registered with the placement group");
  }

  @Test
  void registrationFailsAtOnceWhenPlacementRefusesTheNode() {
    placement.answer =
        c ->
            CompletableFuture.completedFuture(
                new PlacementReply.Rejected(PlacementReply.Code.STALE_INCARNATION, "newer one"));
    assertThatThrownBy(
            () ->
                membership.start(CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS))
        .hasMessageContaining("placement refused node n1: newer one");
  }

  @Test
  void leavingWaitsUntilNoOpenSegmentIsOwnedHere() throws Exception {
    views.publish(view(2, List.of(openSegment("n1"))));
    CompletableFuture<Boolean> left = membership.leave(Duration.ofSeconds(30));
    assertThat(placement.commands).containsExactly(new PlacementCommand.Leave("n1", 42));
    assertThat(left).isNotDone();

    views.publish(view(3, List.of(openSegment("n2"))));
    assertThat(left.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aFailedLeaveCompletesWithFalse() throws Exception {
    placement.answer = c -> CompletableFuture.failedFuture(new IOException("no leader"));
    assertThat(membership.leave(Duration.ofSeconds(30)).get(5, TimeUnit.SECONDS)).isFalse();
  }

  @Test
  void defaultsFollowTheLease() {
    Membership.Config c = config(2);
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofMillis(1250)); // eight per lease
    assertThat(c.leaseMargin()).isEqualTo(MARGIN);
    assertThatThrownBy(
            () ->
                new Membership.Config(
                    "n1",
                    Map.of(),
                    "a:1",
                    1,
                    LEASE,
                    Duration.ofSeconds(1),
                    LEASE,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Membership.Config config(int expectedVoters) {
    return Membership.Config.of(
        new NodeConfig(
            "n1",
            null,
            "n1.example:8081",
            Map.of("n1", "n1.example:7081"),
            null,
            new PlacementConfig(4, expectedVoters, LEASE.toMillis(), 4),
            null,
            Duration.ofSeconds(60),
            null,
            null,
            SecurityOptions.NONE));
  }

  private static PlacementView view(long version, List<Segment> segments) {
    return new PlacementView(version, 0, "c", List.of(), segments, LEASE.toMillis(), 0, 0);
  }

  private static Segment openSegment(String owner) {
    return new Segment(
        new SegmentId(1, 0, -1L),
        Segment.State.OPEN,
        owner,
        42,
        1,
        List.of(),
        List.of(),
        Segment.FINAL_UNKNOWN);
  }
}
