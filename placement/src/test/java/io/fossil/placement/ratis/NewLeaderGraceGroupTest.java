package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real three-voter group whose leader is stopped while two nodes are close to their deadlines:
 * the new leader's first command is another node's heartbeat, stamped past those deadlines. The
 * state machine grants the new term's grace before that heartbeat's expiry runs, so nobody is
 * removed. The voters' clock is the test's, and their timers never fire (no LeaderChanged, no
 * Tick), so the test decides every command that reaches the log.
 */
class NewLeaderGraceGroupTest {

  private static final long LEASE = 10_000;
  private static final long STEP = 2_000; // below the jump that grants grace by itself
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void aNewLeaderWhoseFirstCommandIsAHeartbeatRemovesNobody() throws Exception {
    TestClock clock = new TestClock(1_000_000);
    try (TestGroup group =
            new TestGroup(
                dir,
                1_000,
                id -> ControlPlaneSecurity.insecure(),
                new PlacementConfig(8, 3, LEASE, 4),
                clock,
                Duration.ofHours(1));
        RatisPlacementClient client =
            RatisPlacementClient.connect(group.name, group.addresses, Duration.ofSeconds(10))) {
      group.startAll();
      submit(client, new PlacementCommand.ReserveSequences("c", 1, 1_000));
      for (int i = 1; i <= 3; i++) {
        assertThat(
                submit(
                    client,
                    new PlacementCommand.Register("n" + i, 1, "http://n" + i, "n" + i + ":1")))
            .isInstanceOf(PlacementReply.Leased.class);
      }
      // Only n1 renews; n2's and n3's leases end LEASE after they registered.
      for (int i = 0; i < 4; i++) {
        clock.advance(STEP);
        submit(client, new PlacementCommand.Heartbeat("n1", 1));
      }
      List<Segment> before = open(client.view().get());
      assertThat(before).hasSize(8).extracting(Segment::owner).contains("n1", "n2", "n3");

      RatisPlacementPeer leader =
          await()
              .atMost(BOUND)
              .until(
                  () -> group.peers.stream().filter(RatisPlacementPeer::isLeader).findFirst(),
                  p -> p.isPresent())
              .orElseThrow();
      group.stop(leader);
      clock.advance(STEP + 1); // past n2's and n3's deadlines

      PlacementReply reply = submit(client, new PlacementCommand.Heartbeat("n1", 1));

      assertThat(reply).isInstanceOf(PlacementReply.Leased.class);
      PlacementView after = client.view().get();
      assertThat(after.members()).extracting(m -> m.nodeId()).containsExactly("n1", "n2", "n3");
      assertThat(after.time()).isGreaterThan(after.member("n2").orElseThrow().leaseDeadline());
      assertThat(open(after)).isEqualTo(before);
    }
  }

  private static List<Segment> open(PlacementView view) {
    return view.segments().stream().filter(Segment::isOpen).toList();
  }

  private static PlacementReply submit(RatisPlacementClient client, PlacementCommand command)
      throws Exception {
    return client.submit(command).get(30, TimeUnit.SECONDS);
  }

  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    private final AtomicLong millis;

    TestClock(long millis) {
      this.millis = new AtomicLong(millis);
    }

    void advance(long by) {
      millis.addAndGet(by);
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
