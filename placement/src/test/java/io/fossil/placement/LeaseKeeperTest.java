package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {

  private final AtomicLong millis = new AtomicLong(1_000);
  private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
  private final InProcessPlacement placement =
      new InProcessPlacement(new PlacementConfig(4, 1, 10_000, 4), millis::get);

  @Test
  void theLocalDeadlineRunsFromTheSendTimeMinusTheMarginAndEndsBeforePlacements() throws Exception {
    placement.submit(new PlacementCommand.ReserveSequences("c", 1, 100)).get();
    placement.submit(new PlacementCommand.Register("n1", 7, "http://n1", "n1:1")).get();
    LeaseKeeper keeper =
        new LeaseKeeper(
            placement, "n1", 7, Duration.ofSeconds(10), Duration.ofSeconds(1), nanos::get);
    assertThat(keeper.holds()).isFalse();

    long sentAt = nanos.get();
    var renewal = (LeaseKeeper.Renewal.Held) keeper.heartbeat().get();
    assertThat(renewal.deadlineNanos()).isEqualTo(sentAt + 9_000_000_000L);
    assertThat(keeper.holds()).isTrue();

    // Placement stamps the heartbeat later than it was sent: its deadline is later than ours.
    long placementDeadline = placement.view().get().member("n1").orElseThrow().leaseDeadline();
    assertThat(placementDeadline).isEqualTo(millis.get() + 10_000);

    nanos.addAndGet(9_000_000_000L);
    assertThat(keeper.holds()).as("local deadline passed").isFalse();
  }

  @Test
  void aRefusedHeartbeatLosesEveryLeaseAtOnce() throws Exception {
    placement.submit(new PlacementCommand.ReserveSequences("c", 1, 100)).get();
    placement.submit(new PlacementCommand.Register("n1", 8, "http://n1", "n1:1")).get();
    LeaseKeeper stale =
        new LeaseKeeper(
            placement, "n1", 7, Duration.ofSeconds(10), Duration.ofSeconds(1), nanos::get);
    assertThat(stale.heartbeat().get()).isInstanceOf(LeaseKeeper.Renewal.Lost.class);
    assertThat(stale.holds()).isFalse();
  }
}
