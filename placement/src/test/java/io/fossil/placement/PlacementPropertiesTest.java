package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.fossil.position.SegmentId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Random command sequences against the real controller, checked after every command against the
 * invariants of ADR 0007 and, at the end, the ancestor relation of ADR 0008.
 */
class PlacementPropertiesTest {

  private static final int NODES = 5;

  @Property(tries = 2000)
  void invariantsHoldForRandomHistories(@ForAll long seed) {
    Random random = new Random(seed);
    PlacementConfig config =
        new PlacementConfig(
            1 + random.nextInt(8), 1 + random.nextInt(3), 1_000, 1 + random.nextInt(3));
    PlacementState state = new PlacementState(config);
    PlacementController controller = new PlacementController(state);
    long time = 1_000;
    long reserved = 20 + random.nextInt(40);
    controller.execute(new ReserveSequences("cluster-a", 1, reserved), time);
    Map<String, Long> incarnations = new HashMap<>();
    Set<SegmentId> sealed = new HashSet<>();
    long maxEpochSeen = 0;

    int compactions = 0;
    int steps = 20 + random.nextInt(60);
    for (int step = 0; step < steps; step++) {
      time += random.nextInt(700) - 50; // occasionally stamped earlier: time must still not go back
      PlacementCommand command = randomCommand(random, state, incarnations, reserved);
      if (command instanceof ReserveSequences r) {
        reserved = r.lastSeq();
      }
      assertThat(PlacementCodec.decodeCommand(PlacementCodec.encode(command))).isEqualTo(command);
      long versionBefore = state.version();
      long timeBefore = state.time();
      PlacementController.Result result = controller.execute(command, time);
      assertThat(PlacementCodec.decodeReply(PlacementCodec.encode(result.reply())))
          .isEqualTo(result.reply());

      assertThat(state.time()).isGreaterThanOrEqualTo(timeBefore);
      if (result.reply() instanceof PlacementReply.Rejected) {
        // A rejection changes nothing but the clock.
        assertThat(result.records()).allMatch(r -> r instanceof PlacementRecord.ClockAdvanced);
        assertThat(state.version()).isEqualTo(versionBefore + result.records().size());
      }
      for (PlacementRecord r : result.records()) {
        if (r instanceof PlacementRecord.SegmentOpened o) {
          assertThat(o.epoch()).as("epochs only grow").isGreaterThan(maxEpochSeen);
          maxEpochSeen = o.epoch();
        }
      }
      if (command instanceof PlacementCommand.Compact c
          && result.reply() instanceof PlacementReply.Changed) {
        assertCompacted(state, c.run());
        compactions++;
        c.run().subList(1, c.run().size()).forEach(sealed::remove);
      }
      for (SegmentId s : sealed) {
        assertThat(state.segment(s).orElseThrow().isOpen()).as("sealed segment reopened").isFalse();
      }
      state.segments().stream().filter(s -> !s.isOpen()).forEach(s -> sealed.add(s.id()));
      assertRingCoveredOnce(state);
      assertSuccessorsCoveredByPredecessors(state);
      if (command instanceof PlacementCommand.Tick
          && !state.liveMembers(state.time()).isEmpty()
          && state.nextSeq() + state.openSegments().size() <= state.lastSeq()) {
        for (Segment s : state.openSegments()) {
          Member owner = state.member(s.owner()).orElse(null);
          assertThat(owner).as("orphan left after a tick: %s", s.id()).isNotNull();
          assertThat(owner.incarnation()).isEqualTo(s.ownerIncarnation());
        }
      }
    }
    Statistics.label("compacted").collect(compactions > 0);
    Statistics.label("compacted").coverage(c -> c.check(true).percentage(p -> p >= 5));
    assertAncestryFromIdsEqualsAncestryFromDag(state);
    byte[] snapshot = PlacementCodec.snapshot(state);
    PlacementState restored = PlacementCodec.restore(snapshot, config);
    assertThat(PlacementCodec.snapshot(restored)).isEqualTo(snapshot);
    assertThat(restored.view()).isEqualTo(state.view());
    assertThat(PlacementCodec.decodeView(PlacementCodec.encode(state.view())))
        .isEqualTo(state.view());
  }

  static PlacementCommand randomCommand(
      Random random, PlacementState state, Map<String, Long> incarnations, long reserved) {
    String node = "n" + random.nextInt(NODES);
    List<Segment> open = state.openSegments();
    List<Segment> all = state.segments();
    int pick = random.nextInt(100);
    if (random.nextInt(6) == 0 && !Compaction.runs(all).isEmpty()) {
      return randomCompaction(random, state);
    }
    if (pick < 18) {
      long inc = incarnations.getOrDefault(node, 0L) + (random.nextInt(4) == 0 ? 1 : 0);
      if (inc == 0) {
        inc = 1;
      }
      incarnations.put(node, inc);
      return new Register(node, inc, "http://" + node, node + ":9000");
    } else if (pick < 45) {
      long inc = incarnations.getOrDefault(node, 1L) - (random.nextInt(10) == 0 ? 1 : 0);
      return new Heartbeat(node, inc);
    } else if (pick < 60) {
      return new Tick();
    } else if (pick < 63) {
      return new Leave(node, incarnations.getOrDefault(node, 1L));
    } else if (pick < 65) {
      return new LeaderChanged();
    } else if (pick < 67) {
      return new ReserveSequences("cluster-a", reserved + 1 + random.nextInt(3), reserved + 30);
    } else if (all.isEmpty()) {
      return new Tick();
    } else if (pick < 75) {
      Segment s = any(random, random.nextInt(5) == 0 ? all : open, all);
      return new Move(s.id(), node);
    } else if (pick < 85) {
      Segment s = any(random, random.nextInt(5) == 0 ? all : open, all);
      Long at = random.nextBoolean() ? null : s.id().first() + random.nextLong();
      return new Split(s.id(), at);
    } else if (pick < 88) {
      Segment a = any(random, open, all);
      Segment b = any(random, open, all);
      for (Segment candidate : open) {
        if (candidate.id().first() == a.id().last() + 1 && random.nextInt(4) != 0) {
          b = candidate;
        }
      }
      return new Merge(a.id(), b.id());
    } else if (pick < 97) {
      // Mostly what nodes do (report a sealed segment whose end placement does not know yet).
      List<Segment> unreported = all.stream().filter(x -> !x.isOpen() && !x.finalKnown()).toList();
      Segment s = any(random, random.nextInt(4) == 0 ? all : unreported, all);
      return new ReportSeal(s.id(), random.nextInt(4) - 1);
    } else {
      return randomCompaction(random, state);
    }
  }

  /**
   * A run the planner offers, a piece of one, or one that is no run at all (stale, reversed, a
   * single segment): the controller must take the first two and refuse the others unchanged.
   */
  private static PlacementCommand randomCompaction(Random random, PlacementState state) {
    List<List<SegmentId>> runs = Compaction.runs(state.segments());
    List<SegmentId> run;
    if (!runs.isEmpty() && random.nextInt(4) != 0) {
      List<SegmentId> whole = runs.get(random.nextInt(runs.size()));
      int from = random.nextInt(whole.size() - 1);
      run = whole.subList(from, from + 2 + random.nextInt(whole.size() - from - 1));
    } else {
      List<Segment> all = state.segments();
      run = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(3) && !all.isEmpty(); i++) {
        run.add(all.get(random.nextInt(all.size())).id());
      }
    }
    return new PlacementCommand.Compact(run, random.nextInt(5_000));
  }

  /** The run is one segment now: the first one's id, its parts back to back, the rest gone. */
  private static void assertCompacted(PlacementState state, List<SegmentId> run) {
    Segment c = state.segment(run.get(0)).orElseThrow();
    assertThat(c.isOpen()).isFalse();
    long next = 0;
    for (Segment.Part p : c.parts()) {
      assertThat(p.offset()).as("parts of %s back to back", c.id()).isEqualTo(next);
      assertThat(p.id().first()).isEqualTo(c.id().first());
      assertThat(p.id().last()).isEqualTo(c.id().last());
      next += p.finalCounter() + 1;
    }
    assertThat(c.finalCounter()).isEqualTo(next - 1);
    assertThat(c.parts().get(0).id()).isEqualTo(c.id());
    for (SegmentId gone : run.subList(1, run.size())) {
      assertThat(state.segment(gone)).as("retired %s left the DAG", gone).isEmpty();
      assertThat(c.parts()).anyMatch(p -> p.id().equals(gone));
    }
    for (SegmentId n : c.successors()) {
      assertThat(state.segment(n).orElseThrow().predecessors()).contains(c.id());
    }
  }

  private static Segment any(Random random, List<Segment> preferred, List<Segment> fallback) {
    List<Segment> from = preferred.isEmpty() ? fallback : preferred;
    return from.get(random.nextInt(from.size()));
  }

  static void assertRingCoveredOnce(PlacementState state) {
    if (state.segments().isEmpty()) {
      return;
    }
    List<Segment> open = state.openSegments();
    assertThat(open).isNotEmpty();
    assertThat(open.get(0).id().first()).isZero();
    for (int i = 1; i < open.size(); i++) {
      assertThat(open.get(i).id().first())
          .as("gap or overlap between %s and %s", open.get(i - 1).id(), open.get(i).id())
          .isEqualTo(open.get(i - 1).id().last() + 1);
    }
    assertThat(open.get(open.size() - 1).id().last()).isEqualTo(-1L);
  }

  private static void assertSuccessorsCoveredByPredecessors(PlacementState state) {
    for (Segment s : state.segments()) {
      if (s.predecessors().isEmpty()) {
        continue;
      }
      // Walk the successor's range through its predecessors' ranges, in ring order.
      List<SegmentId> preds = new ArrayList<>(s.predecessors());
      preds.sort((x, y) -> Long.compareUnsigned(x.first(), y.first()));
      long next = s.id().first();
      boolean done = false;
      for (SegmentId p : preds) {
        assertThat(p.seq()).isLessThan(s.id().seq());
        assertThat(Long.compareUnsigned(p.first(), next)).isLessThanOrEqualTo(0);
        if (Long.compareUnsigned(p.last(), s.id().last()) >= 0) {
          done = true;
          break;
        }
        next = p.last() + 1;
      }
      assertThat(done).as("successor %s not covered by %s", s.id(), preds).isTrue();
    }
  }

  /**
   * The id rule (overlap and smaller sequence) must equal the chain of a shared ring point: walk
   * back from b through the one predecessor that covers the point, and a must be on that walk.
   */
  private static void assertAncestryFromIdsEqualsAncestryFromDag(PlacementState state) {
    for (Segment a : state.segments()) {
      for (Segment b : state.segments()) {
        assertThat(a.id().isAncestorOf(b.id()))
            .as("ancestry of %s to %s", a.id(), b.id())
            .isEqualTo(onChain(state, a.id(), b.id()));
      }
    }
  }

  private static boolean onChain(PlacementState state, SegmentId a, SegmentId b) {
    if (!a.overlaps(b)) {
      return false;
    }
    long point = Long.compareUnsigned(a.first(), b.first()) >= 0 ? a.first() : b.first();
    Segment current = state.segment(b).orElseThrow();
    while (true) {
      SegmentId covering = null;
      for (SegmentId p : current.predecessors()) {
        if (p.contains(point)) {
          assertThat(covering).as("two predecessors of %s cover one point", current.id()).isNull();
          covering = p;
        }
      }
      if (covering == null) {
        return false;
      }
      if (covering.equals(a)) {
        return true;
      }
      current = state.segment(covering).orElseThrow();
    }
  }
}
