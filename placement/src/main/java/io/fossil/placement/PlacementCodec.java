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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary encoding of commands, replies, views and state snapshots, as written into the Raft log and
 * snapshot files. Every top-level form starts with a format byte so it can evolve; a decoder reads
 * every format it ever wrote and refuses any other. Format 2 added compacted segments' parts and
 * told "empty" (-1) from "not known yet" ({@link Segment#FINAL_UNKNOWN}) in final counters; in
 * format 1, -1 meant not known. Stateless and thread-safe.
 */
public final class PlacementCodec {

  private static final int FORMAT = 2;

  private PlacementCodec() {}

  // ------------------------------------------------------------------ commands

  public static byte[] encode(PlacementCommand command) {
    return write(
        out -> {
          out.writeByte(FORMAT);
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
            writeId(out, c.segment());
            out.writeUTF(c.toNode());
          } else if (command instanceof Split c) {
            out.writeByte(8);
            writeId(out, c.segment());
            out.writeBoolean(c.at() != null);
            out.writeLong(c.at() == null ? 0 : c.at());
          } else if (command instanceof Merge c) {
            out.writeByte(9);
            writeId(out, c.a());
            writeId(out, c.b());
          } else if (command instanceof ReportSeal c) {
            out.writeByte(10);
            writeId(out, c.segment());
            out.writeLong(c.finalCounter());
          } else if (command instanceof Compact c) {
            out.writeByte(11);
            writeIds(out, c.run());
            out.writeLong(c.translationGraceMillis());
          }
        });
  }

  public static PlacementCommand decodeCommand(byte[] bytes) {
    return read(
        bytes,
        (in, format) -> {
          int tag = in.readByte();
          return switch (tag) {
            case 1 -> new ReserveSequences(in.readUTF(), in.readLong(), in.readLong());
            case 2 -> new Register(in.readUTF(), in.readLong(), in.readUTF(), in.readUTF());
            case 3 -> new Heartbeat(in.readUTF(), in.readLong());
            case 4 -> new Leave(in.readUTF(), in.readLong());
            case 5 -> new Tick();
            case 6 -> new LeaderChanged();
            case 7 -> new Move(readId(in), in.readUTF());
            case 8 -> {
              SegmentId id = readId(in);
              boolean has = in.readBoolean();
              long at = in.readLong();
              yield new Split(id, has ? at : null);
            }
            case 9 -> new Merge(readId(in), readId(in));
            case 10 -> {
              SegmentId id = readId(in);
              long end = in.readLong();
              // Format 1 could not record an empty segment's end: -1 was a no-op then, and a log
              // replayed now must give the same state, so it stays one (refused, no record).
              yield new ReportSeal(id, format == 1 && end == -1 ? Segment.FINAL_UNKNOWN : end);
            }
            case 11 -> new Compact(readIds(in), in.readLong());
            default -> throw new IllegalArgumentException("unknown placement command tag " + tag);
          };
        });
  }

  // ------------------------------------------------------------------ replies

  public static byte[] encode(PlacementReply reply) {
    return write(
        out -> {
          out.writeByte(FORMAT);
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
            writeIds(out, r.created());
          } else if (reply instanceof PlacementReply.Rejected r) {
            out.writeByte(4);
            out.writeUTF(r.code().name());
            out.writeUTF(r.message());
          }
        });
  }

  public static PlacementReply decodeReply(byte[] bytes) {
    return read(
        bytes,
        (in, format) -> {
          int tag = in.readByte();
          return switch (tag) {
            case 1 -> new PlacementReply.Ok(in.readLong());
            case 2 -> new PlacementReply.Leased(in.readLong(), in.readLong());
            case 3 -> new PlacementReply.Changed(in.readLong(), readIds(in));
            case 4 ->
                new PlacementReply.Rejected(
                    PlacementReply.Code.valueOf(in.readUTF()), in.readUTF());
            default -> throw new IllegalArgumentException("unknown placement reply tag " + tag);
          };
        });
  }

  // ------------------------------------------------------------------ views and snapshots

  public static byte[] encode(PlacementView view) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          out.writeLong(view.version());
          out.writeLong(view.time());
          writeNullable(out, view.clusterId());
          out.writeLong(view.leaseMillis());
          out.writeLong(view.nextSeq());
          out.writeLong(view.lastSeq());
          writeMembersAndSegments(out, view.members(), view.segments());
        });
  }

  public static PlacementView decodeView(byte[] bytes) {
    return read(
        bytes,
        (in, format) -> {
          long version = in.readLong();
          long time = in.readLong();
          String clusterId = readNullable(in);
          long lease = in.readLong();
          long nextSeq = in.readLong();
          long lastSeq = in.readLong();
          List<Member> members = readMembers(in);
          List<Segment> segments = readSegments(in, format);
          return new PlacementView(
              version, time, clusterId, members, segments, lease, nextSeq, lastSeq);
        });
  }

  /** The whole state, for a Raft snapshot. */
  public static byte[] snapshot(PlacementState state) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          out.writeLong(state.version());
          out.writeLong(state.time());
          writeNullable(out, state.clusterId().orElse(null));
          out.writeLong(state.nextSeq());
          out.writeLong(state.lastSeq());
          out.writeLong(state.maxEpoch());
          out.writeLong(state.graceUntil());
          writeMembersAndSegments(out, state.members(), state.segments());
        });
  }

  /** Rebuilds a state written by {@link #snapshot}. */
  public static PlacementState restore(byte[] bytes, PlacementConfig config) {
    return read(
        bytes,
        (in, format) -> {
          long version = in.readLong();
          long time = in.readLong();
          String clusterId = readNullable(in);
          long nextSeq = in.readLong();
          long lastSeq = in.readLong();
          long maxEpoch = in.readLong();
          long graceUntil = in.readLong();
          List<Member> members = readMembers(in);
          List<Segment> segments = readSegments(in, format);
          return PlacementState.restored(
              config,
              version,
              time,
              clusterId,
              nextSeq,
              lastSeq,
              maxEpoch,
              graceUntil,
              members,
              segments);
        });
  }

  // ------------------------------------------------------------------ pieces

  private static void writeMembersAndSegments(
      DataOutputStream out, List<Member> members, List<Segment> segments) throws IOException {
    out.writeInt(members.size());
    for (Member m : members) {
      out.writeUTF(m.nodeId());
      out.writeLong(m.incarnation());
      out.writeUTF(m.httpAddress());
      out.writeUTF(m.raftAddress());
      out.writeLong(m.lastHeartbeat());
      out.writeLong(m.leaseDeadline());
      out.writeBoolean(m.leaving());
    }
    out.writeInt(segments.size());
    for (Segment s : segments) {
      writeId(out, s.id());
      out.writeBoolean(s.isOpen());
      out.writeUTF(s.owner());
      out.writeLong(s.ownerIncarnation());
      out.writeLong(s.epoch());
      writeIds(out, s.predecessors());
      writeIds(out, s.successors());
      out.writeLong(s.finalCounter());
      out.writeInt(s.parts().size());
      for (Segment.Part p : s.parts()) {
        writeId(out, p.id());
        out.writeLong(p.offset());
        out.writeLong(p.finalCounter());
      }
      out.writeInt(s.translations().size());
      for (Segment.Translation t : s.translations()) {
        writeId(out, t.from());
        out.writeLong(t.offset());
        out.writeLong(t.lastCounter());
        out.writeLong(t.until());
      }
    }
  }

  private static List<Member> readMembers(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<Member> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(
          new Member(
              in.readUTF(),
              in.readLong(),
              in.readUTF(),
              in.readUTF(),
              in.readLong(),
              in.readLong(),
              in.readBoolean()));
    }
    return out;
  }

  private static List<Segment> readSegments(DataInputStream in, int format) throws IOException {
    int n = in.readInt();
    List<Segment> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      SegmentId id = readId(in);
      Segment.State state = in.readBoolean() ? Segment.State.OPEN : Segment.State.SEALED;
      String owner = in.readUTF();
      long incarnation = in.readLong();
      long epoch = in.readLong();
      List<SegmentId> predecessors = readIds(in);
      List<SegmentId> successors = readIds(in);
      long finalCounter = in.readLong();
      List<Segment.Part> parts = new ArrayList<>();
      List<Segment.Translation> translations = new ArrayList<>();
      if (format == 1) {
        finalCounter = finalCounter == -1 ? Segment.FINAL_UNKNOWN : finalCounter;
      } else {
        int k = in.readInt();
        for (int j = 0; j < k; j++) {
          parts.add(new Segment.Part(readId(in), in.readLong(), in.readLong()));
        }
        k = in.readInt();
        for (int j = 0; j < k; j++) {
          translations.add(
              new Segment.Translation(readId(in), in.readLong(), in.readLong(), in.readLong()));
        }
      }
      out.add(
          new Segment(
              id,
              state,
              owner,
              incarnation,
              epoch,
              predecessors,
              successors,
              finalCounter,
              parts,
              translations));
    }
    return out;
  }

  private static void writeId(DataOutputStream out, SegmentId id) throws IOException {
    out.writeLong(id.seq());
    out.writeLong(id.first());
    out.writeLong(id.last());
  }

  private static SegmentId readId(DataInputStream in) throws IOException {
    return new SegmentId(in.readLong(), in.readLong(), in.readLong());
  }

  private static void writeIds(DataOutputStream out, List<SegmentId> ids) throws IOException {
    out.writeInt(ids.size());
    for (SegmentId id : ids) {
      writeId(out, id);
    }
  }

  private static List<SegmentId> readIds(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<SegmentId> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(readId(in));
    }
    return out;
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in, int format) throws IOException;
  }

  private static byte[] write(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int format = in.readByte();
      if (format != 1 && format != FORMAT) {
        throw new IllegalArgumentException("unknown placement encoding format " + format);
      }
      return reader.read(in, format);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated or corrupt placement encoding", e);
    }
  }
}
