package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The pieces {@link PlacementCodec}'s forms share: segment ids, members, segments (with a compacted
 * segment's parts and translations from format 2 on) and nullable strings. Stateless and
 * thread-safe.
 */
final class PlacementFields {

  private PlacementFields() {}

  static void writeMembersAndSegments(
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
      out.writeLong(m.joinedAt());
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

  static List<Member> readMembers(DataInputStream in, int format) throws IOException {
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
              in.readBoolean(),
              // Before format 4 no join time was kept: such members count as long settled.
              format >= 4 ? in.readLong() : Long.MIN_VALUE / 2));
    }
    return out;
  }

  static List<Segment> readSegments(DataInputStream in, int format) throws IOException {
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

  static void writeId(DataOutputStream out, SegmentId id) throws IOException {
    out.writeLong(id.seq());
    out.writeLong(id.first());
    out.writeLong(id.last());
  }

  static SegmentId readId(DataInputStream in) throws IOException {
    return new SegmentId(in.readLong(), in.readLong(), in.readLong());
  }

  static void writeIds(DataOutputStream out, List<SegmentId> ids) throws IOException {
    out.writeInt(ids.size());
    for (SegmentId id : ids) {
      writeId(out, id);
    }
  }

  static List<SegmentId> readIds(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<SegmentId> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(readId(in));
    }
    return out;
  }

  static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
