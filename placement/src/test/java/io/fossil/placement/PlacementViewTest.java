package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.position.SegmentId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A view's index answers exactly what a scan of its segment list answers, over random histories
 * (the commands of {@link PlacementPropertiesTest}), and takes no part in equality.
 */
class PlacementViewTest {

  @Property(tries = 300)
  void theIndexAgreesWithAScanOfTheSegments(@ForAll long seed) {
    Random random = new Random(seed);
    PlacementState state =
        new PlacementState(new PlacementConfig(1 + random.nextInt(8), 1, 1_000, 2));
    PlacementController controller = new PlacementController(state);
    long time = 1_000;
    long reserved = 60;
    controller.execute(new PlacementCommand.ReserveSequences("cluster-v", 1, reserved), time);
    Map<String, Long> incarnations = new HashMap<>();
    int steps = 20 + random.nextInt(60);
    for (int step = 0; step < steps; step++) {
      time += random.nextInt(300);
      PlacementCommand command =
          PlacementPropertiesTest.randomCommand(random, state, incarnations, reserved);
      if (command instanceof PlacementCommand.ReserveSequences r) {
        reserved = r.lastSeq();
      }
      controller.execute(command, time);
      if (step % 5 == 0) {
        check(state.view(), random);
      }
    }
    check(state.view(), random);
  }

  private static void check(PlacementView view, Random random) {
    List<Segment> segments = view.segments();
    for (Segment s : segments) {
      assertThat(view.segment(s.id())).contains(s);
      assertThat(view.segmentAt(s.id().seq())).contains(s);
      assertThat(view.history().segment(s.id().seq())).contains(s);
      assertThat(view.segment(new SegmentId(s.id().seq(), s.id().first(), s.id().first())))
          .isEqualTo(s.id().first() == s.id().last() ? Optional.of(s) : Optional.empty());
      // The edges of each range, and the points just outside.
      for (long point :
          new long[] {s.id().first(), s.id().last(), s.id().first() - 1, s.id().last() + 1}) {
        assertThat(view.openSegmentAt(point)).isEqualTo(scan(segments, point));
      }
    }
    assertThat(view.segmentAt(view.nextSeq())).isEmpty();
    for (int i = 0; i < 50; i++) {
      long point = random.nextLong();
      assertThat(view.openSegmentAt(point)).isEqualTo(scan(segments, point));
      String stream = "s" + random.nextInt(1000) + "-" + i;
      assertThat(view.openSegmentFor(stream)).isEqualTo(scan(segments, HashRing.point(stream)));
    }
    PlacementView copy =
        new PlacementView(
            view.version(),
            view.time(),
            view.clusterId(),
            view.members(),
            view.segments(),
            view.leaseMillis(),
            view.nextSeq(),
            view.lastSeq());
    assertThat(copy).isEqualTo(view).hasSameHashCodeAs(view);
    assertThat(copy.history()).isSameAs(copy.history()).isNotSameAs(view.history());
  }

  private static Optional<Segment> scan(List<Segment> segments, long point) {
    return segments.stream().filter(s -> s.isOpen() && s.id().contains(point)).findFirst();
  }
}
