package io.fossil.placement;

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
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The bodies of commands and replies in {@link PlacementCodec}'s encoding: a tag byte, then the
 * fields. The format byte before them is {@link PlacementCodec}'s. Stateless and thread-safe.
 */
final class CommandCodec {

  private CommandCodec() {}

  static void writeCommand(DataOutputStream out, PlacementCommand command) throws IOException {
    if (command instanceof ReserveSequences c) {
      out.writeByte(1);
      out.writeUTF(c.clusterId());
      out.writeLong(c.firstSeq());
      out.writeLong(c.lastSeq());
    } else if (command instanceof Register c) {
      out.writeByte(2);
      out.writeUTF(c.nodeId());
      out.writeLong(c.incarnation());
      out.writeUTF(c.httpAddress());
      out.writeUTF(c.raftAddress());
    } else if (command instanceof Heartbeat c) {
      out.writeByte(3);
      out.writeUTF(c.nodeId());
      out.writeLong(c.incarnation());
    } else if (command instanceof Leave c) {
      out.writeByte(4);
      out.writeUTF(c.nodeId());
      out.writeLong(c.incarnation());
    } else if (command instanceof Tick) {
      out.writeByte(5);
    } else if (command instanceof LeaderChanged) {
      out.writeByte(6);
    } else if (command instanceof Move c) {
      out.writeByte(7);
      PlacementFields.writeId(out, c.segment());
      out.writeUTF(c.toNode());
    } else if (command instanceof Split c) {
      out.writeByte(8);
      PlacementFields.writeId(out, c.segment());
      out.writeBoolean(c.at() != null);
      out.writeLong(c.at() == null ? 0 : c.at());
    } else if (command instanceof Merge c) {
      out.writeByte(9);
      PlacementFields.writeId(out, c.a());
      PlacementFields.writeId(out, c.b());
    } else if (command instanceof ReportSeal c) {
      out.writeByte(10);
      PlacementFields.writeId(out, c.segment());
      out.writeLong(c.finalCounter());
    } else if (command instanceof Compact c) {
      out.writeByte(11);
      PlacementFields.writeIds(out, c.run());
      out.writeLong(c.translationGraceMillis());
    }
  }

  static PlacementCommand readCommand(DataInputStream in, int format) throws IOException {
    int tag = in.readByte();
    return switch (tag) {
      case 1 -> new ReserveSequences(in.readUTF(), in.readLong(), in.readLong());
      case 2 -> new Register(in.readUTF(), in.readLong(), in.readUTF(), in.readUTF(), format >= 4);
      case 3 -> new Heartbeat(in.readUTF(), in.readLong());
      case 4 -> new Leave(in.readUTF(), in.readLong());
      case 5 -> new Tick();
      case 6 -> new LeaderChanged();
      case 7 -> new Move(PlacementFields.readId(in), in.readUTF());
      case 8 -> {
        SegmentId id = PlacementFields.readId(in);
        boolean has = in.readBoolean();
        long at = in.readLong();
        yield new Split(id, has ? at : null);
      }
      case 9 -> new Merge(PlacementFields.readId(in), PlacementFields.readId(in));
      case 10 -> {
        SegmentId id = PlacementFields.readId(in);
        long end = in.readLong();
        // Format 1 could not record an empty segment's end: -1 was a no-op then, and a log
        // replayed now must give the same state, so it stays one (refused, no record).
        yield new ReportSeal(id, format == 1 && end == -1 ? Segment.FINAL_UNKNOWN : end);
      }
      case 11 -> new Compact(PlacementFields.readIds(in), in.readLong());
      default -> throw new IllegalArgumentException("unknown placement command tag " + tag);
    };
  }

  static void writeReply(DataOutputStream out, PlacementReply reply) throws IOException {
    if (reply instanceof PlacementReply.Ok r) {
      out.writeByte(1);
      out.writeLong(r.version());
    } else if (reply instanceof PlacementReply.Leased r) {
      out.writeByte(2);
      out.writeLong(r.version());
      out.writeLong(r.leaseDeadline());
    } else if (reply instanceof PlacementReply.Changed r) {
      out.writeByte(3);
      out.writeLong(r.version());
      PlacementFields.writeIds(out, r.created());
    } else if (reply instanceof PlacementReply.Rejected r) {
      out.writeByte(4);
      out.writeUTF(r.code().name());
      out.writeUTF(r.message());
    }
  }

  static PlacementReply readReply(DataInputStream in) throws IOException {
    int tag = in.readByte();
    return switch (tag) {
      case 1 -> new PlacementReply.Ok(in.readLong());
      case 2 -> new PlacementReply.Leased(in.readLong(), in.readLong());
      case 3 -> new PlacementReply.Changed(in.readLong(), PlacementFields.readIds(in));
      case 4 ->
          new PlacementReply.Rejected(PlacementReply.Code.valueOf(in.readUTF()), in.readUTF());
      default -> throw new IllegalArgumentException("unknown placement reply tag " + tag);
    };
  }
}
