package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Views and snapshots written before format 3 kept no join time: their members count as settled.
 */
class MemberJoinTimeCompatibilityTest {

  @Test
  void aFormat2ViewDecodesWithSettledMembers() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(2); // format 2
      out.writeLong(7); // version
      out.writeLong(90_000); // time
      out.writeBoolean(true);
      out.writeUTF("cluster");
      out.writeLong(1_000); // lease
      out.writeLong(1); // nextSeq
      out.writeLong(10); // lastSeq
      out.writeInt(1); // members
      out.writeUTF("n1");
      out.writeLong(5);
      out.writeUTF("http://n1");
      out.writeUTF("n1:1");
      out.writeLong(89_000);
      out.writeLong(90_000);
      out.writeBoolean(false);
      out.writeInt(0); // segments
    }
    PlacementView view = PlacementCodec.decodeView(bytes.toByteArray());
    Member n1 = view.members().get(0);
    assertThat(n1.incarnation()).isEqualTo(5);
    assertThat(n1.leaseDeadline()).isEqualTo(90_000);
    assertThat(n1.joinedAt()).isNegative();
    assertThat(n1.settled(view.time(), new PlacementConfig(1, 1, 1_000, 1))).isTrue();
  }

  @Test
  void aRegisterLoggedBeforeFormat4JoinsAMemberThatTakesSegmentsAtOnce() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(3); // format 3
      out.writeByte(2); // Register
      out.writeUTF("n3");
      out.writeLong(1);
      out.writeUTF("http://n3");
      out.writeUTF("n3:1");
    }
    PlacementCommand old = PlacementCodec.decodeCommand(bytes.toByteArray());
    assertThat(old).isEqualTo(new PlacementCommand.Register("n3", 1, "http://n3", "n3:1", false));
    assertThat(PlacementCodec.decodeCommand(PlacementCodec.encode(old)))
        .as("written again today, it is a register that settles")
        .isEqualTo(new PlacementCommand.Register("n3", 1, "http://n3", "n3:1"));

    PlacementState state = new PlacementState(new PlacementConfig(4, 2, 1_000, 4));
    PlacementController controller = new PlacementController(state);
    controller.execute(new PlacementCommand.ReserveSequences("c", 1, 100), 0);
    controller.execute(new PlacementCommand.Register("n1", 1, "h", "r"), 0);
    controller.execute(new PlacementCommand.Register("n2", 1, "h", "r"), 0);
    controller.execute(old, 100);
    assertThat(state.openSegments())
        .as("replayed as it applied when it was logged: rebalanced onto n3 at once")
        .anyMatch(seg -> seg.owner().equals("n3"));
  }

  @Test
  void aJoinTimeSurvivesASnapshot() {
    PlacementState state = new PlacementState(new PlacementConfig(1, 1, 1_000, 1));
    PlacementController controller = new PlacementController(state);
    controller.execute(new PlacementCommand.ReserveSequences("c", 1, 10), 1_000);
    controller.execute(new PlacementCommand.Register("n1", 1, "h", "r"), 4_321);
    PlacementState restored =
        PlacementCodec.restore(PlacementCodec.snapshot(state), state.config());
    assertThat(restored.member("n1").orElseThrow().joinedAt()).isEqualTo(4_321);
    assertThat(PlacementCodec.decodeView(PlacementCodec.encode(state.view())).members().get(0))
        .isEqualTo(state.member("n1").orElseThrow());
  }
}
