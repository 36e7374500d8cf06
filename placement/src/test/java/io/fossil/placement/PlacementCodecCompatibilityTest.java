package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.position.SegmentId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Raft logs and snapshots written in older formats must replay to the state they gave when they
 * were written.
 */
class PlacementCodecCompatibilityTest {

  @Test
  void aFormat1ReportOfAnEmptySegmentStaysTheNoOpItWas() throws IOException {
    SegmentId id = new SegmentId(3, 0, -1L);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1); // format 1
      out.writeByte(10); // ReportSeal
      out.writeLong(id.seq());
      out.writeLong(id.first());
      out.writeLong(id.last());
      out.writeLong(-1);
    }
    PlacementCommand decoded = PlacementCodec.decodeCommand(bytes.toByteArray());
    assertThat(decoded).isEqualTo(new PlacementCommand.ReportSeal(id, Segment.FINAL_UNKNOWN));

    PlacementState state = new PlacementState(new PlacementConfig(1, 1, 1_000, 1));
    PlacementController controller = new PlacementController(state);
    controller.execute(new PlacementCommand.ReserveSequences("c", 1, 10), 1_000);
    controller.execute(new PlacementCommand.Register("n1", 1, "h", "r"), 1_000);
    SegmentId open = state.openSegments().get(0).id();
    controller.execute(new PlacementCommand.Move(open, "n1"), 1_000);
    long version = state.version();
    PlacementController.Result r =
        controller.execute(new PlacementCommand.ReportSeal(open, Segment.FINAL_UNKNOWN), 1_000);
    assertThat(r.records()).isEmpty();
    assertThat(state.version()).isEqualTo(version);
    assertThat(state.segment(open).orElseThrow().finalKnown()).isFalse();
    // In format 2 the same report records that the segment is empty.
    controller.execute(new PlacementCommand.ReportSeal(open, -1), 1_000);
    assertThat(state.segment(open).orElseThrow().finalCounter()).isEqualTo(-1);
  }

  @Test
  void aFormat2SnapshotRestoresWithoutATerm() throws IOException {
    PlacementConfig config = new PlacementConfig(2, 1, 1_000, 2);
    PlacementState state = new PlacementState(config);
    PlacementController controller = new PlacementController(state);
    controller.execute(new PlacementCommand.ReserveSequences("c", 1, 10), 1_000);
    controller.execute(new PlacementCommand.LeaderChanged(), 1_010);
    assertThat(state.term()).isZero();
    byte[] current = PlacementCodec.snapshot(state);
    assertThat(current[0]).isEqualTo((byte) 4);

    // Without members (format 4 added their join times), format 2 is today's format without the
    // term after the grace deadline.
    int termAt = 1 + 8 + 8 + (1 + 2 + "c".length()) + 4 * 8;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(2);
    bytes.write(current, 1, termAt - 1);
    bytes.write(current, termAt + 8, current.length - termAt - 8);
    PlacementState restored = PlacementCodec.restore(bytes.toByteArray(), config);

    assertThat(restored.term()).isZero();
    assertThat(restored.graceUntil()).isEqualTo(2_010);
    assertThat(restored.view()).isEqualTo(state.view());
    assertThat(PlacementCodec.snapshot(restored)).isEqualTo(current);
  }

  @Test
  void onlyACommandOfFormat3OnCarriesItsTerm() throws IOException {
    byte[] now = PlacementCodec.encode(new PlacementCommand.Heartbeat("n1", 7));
    assertThat(PlacementCodec.tracksTerms(now)).isTrue();
    byte[] format2 = now.clone();
    format2[0] = 2;
    assertThat(PlacementCodec.decodeCommand(format2))
        .isEqualTo(new PlacementCommand.Heartbeat("n1", 7));
    assertThat(PlacementCodec.tracksTerms(format2)).isFalse();
  }
}
