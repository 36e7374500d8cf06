package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.PlacementCodec;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cap on open segments through real Raft: splits sent at once from two clients, with room for
 * one, give one split on every replica; the other is refused with {@code SEGMENT_CAP}.
 */
class SegmentCapGroupTest {

  private static final Duration BOUND = Duration.ofSeconds(60);

  /** A ring of 8 segments and room for one more. */
  private static final PlacementConfig CAPPED = new PlacementConfig(8, 3, 600_000, 4, 9);

  @TempDir Path dir;
  private TestGroup group;
  private RatisPlacementClient first;
  private RatisPlacementClient second;

  @BeforeEach
  void startGroup() throws Exception {
    group = new TestGroup(dir, 1_000, id -> ControlPlaneSecurity.insecure(), CAPPED);
    group.startAll();
    first = RatisPlacementClient.connect(group.name, group.addresses, Duration.ofSeconds(10));
    second = RatisPlacementClient.connect(group.name, group.addresses, Duration.ofSeconds(10));
  }

  @AfterEach
  void stopGroup() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
    group.close();
  }

  @Test
  void concurrentSplitsWithRoomForOneMakeOneOnEveryReplica() throws Exception {
    for (int i = 1; i <= 3; i++) {
      assertThat(
              first
                  .submit(new PlacementCommand.Register("n" + i, 1, "http://n" + i, "n" + i + ":1"))
                  .get(30, TimeUnit.SECONDS))
          .isInstanceOf(PlacementReply.Leased.class);
    }
    await().atMost(BOUND).until(() -> open(first.view().get()).size() == 8);
    List<Segment> open = open(first.view().get());

    CompletableFuture<PlacementReply> a =
        first.submit(new PlacementCommand.Split(open.get(0).id(), null));
    CompletableFuture<PlacementReply> b =
        second.submit(new PlacementCommand.Split(open.get(1).id(), null));
    List<PlacementReply> replies =
        List.of(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));

    assertThat(replies).filteredOn(PlacementReply.Changed.class::isInstance).hasSize(1);
    assertThat(replies)
        .filteredOn(PlacementReply.Rejected.class::isInstance)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(((PlacementReply.Rejected) r).code())
                  .isEqualTo(PlacementReply.Code.SEGMENT_CAP);
              assertThat(((PlacementReply.Rejected) r).message()).contains("cap is 9");
            });
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              PlacementView linearized = first.view().get();
              assertThat(open(linearized)).hasSize(9);
              byte[] expected = PlacementCodec.encode(group.peers.get(0).localView());
              for (RatisPlacementPeer p : group.peers) {
                assertThat(p.localView().version()).isGreaterThanOrEqualTo(linearized.version());
                assertThat(PlacementCodec.encode(p.localView())).isEqualTo(expected);
              }
            });
  }

  private static List<Segment> open(PlacementView view) {
    return view.segments().stream().filter(Segment::isOpen).toList();
  }
}
