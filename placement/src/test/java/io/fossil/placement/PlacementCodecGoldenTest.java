package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.placement.PlacementCommand.Compact;
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
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bytes the codec writes into Raft logs and snapshots, pinned: a history that uses every
 * command, reply, member and segment field (compacted segments included) encodes to the digest
 * recorded when the format was last changed. A refactoring that changes a byte fails here.
 */
class PlacementCodecGoldenTest {

  private static final String DIGEST =
      "61c0a8e39b757cc7186b4398289e727859a916b53b54de01a1bd92c232b4cc79";

  private long term = 1;

  @Test
  void everyFormEncodesToThePinnedBytes() throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    PlacementState state = new PlacementState(new PlacementConfig(2, 1, 1_000, 2));
    PlacementController controller = new PlacementController(state);
    long time = 1_000;
    run(controller, all, new ReserveSequences("cluster-g", 1, 100), time);
    run(controller, all, new Register("n1", 1, "http://n1", "n1:9000"), time);
    run(controller, all, new Register("n2", 3, "http://n2", "n2:9000"), time);
    run(controller, all, new Tick(), time += 10);
    run(controller, all, new LeaderChanged(), time += 10);
    run(controller, all, new Heartbeat("n1", 1), time += 10);
    run(controller, all, new Heartbeat("n1", 7), time += 10);
    term = 2; // a new leader
    SegmentId first = state.openSegments().get(0).id();
    run(controller, all, new Split(first, null), time += 10);
    run(controller, all, new Split(state.openSegments().get(0).id(), 1L << 40), time += 10);
    List<Segment> open = state.openSegments();
    run(controller, all, new Merge(open.get(0).id(), open.get(1).id()), time += 10);
    SegmentId merged = state.openSegments().get(0).id();
    for (int i = 0; i < 3; i++) {
      SegmentId at = state.openSegments().get(0).id();
      run(controller, all, new Move(at, i % 2 == 0 ? "n2" : "n1"), time += 10);
      run(controller, all, new ReportSeal(at, 10L * i - 1), time += 10);
    }
    run(controller, all, new ReportSeal(merged, 5), time += 10);
    run(controller, all, new ReportSeal(new SegmentId(99, 0, 1), 5), time += 10);
    for (List<SegmentId> r : Compaction.runs(state.segments())) {
      run(controller, all, new Compact(r, 60_000), time += 10);
    }
    run(controller, all, new Compact(List.of(first), -1), time += 10);
    run(controller, all, new Leave("n2", 3), time += 10);
    run(controller, all, new Tick(), time += 10);
    assertThat(state.segments()).anyMatch(Segment::isCompacted);
    all.write(PlacementCodec.encode(state.view()));
    all.write(PlacementCodec.snapshot(state));

    String digest =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.toByteArray()));
    assertThat(digest).isEqualTo(DIGEST);
  }

  private void run(
      PlacementController controller, ByteArrayOutputStream all, PlacementCommand c, long time)
      throws Exception {
    all.write(PlacementCodec.encode(c));
    PlacementController.Result r = controller.execute(c, time, term);
    all.write(PlacementCodec.encode(r.reply()));
    all.write(PlacementCodec.encode(controller.state().view()));
  }
}
