package io.fossil.placement;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Binary encoding of commands, replies, views and state snapshots, as written into the Raft log and
 * snapshot files. Every top-level form starts with a format byte so it can evolve; a decoder reads
 * every format it ever wrote and refuses any other. Format 2 added compacted segments' parts and
 * told "empty" (-1) from "not known yet" ({@link Segment#FINAL_UNKNOWN}) in final counters; in
 * format 1, -1 meant not known. Format 3 added the Raft term to snapshots, and marks a command
 * written by a client that knows the state machine tracks terms (see {@link #tracksTerms}); its
 * encoding is otherwise format 2's. Format 4 added each member's join time to views and snapshots;
 * a {@link PlacementCommand.Register} of format 4 or later makes a member that must settle before
 * rebalancing gives it segments (ADR 30), an older one a member settled at once, as it was when it
 * was written. Stateless and thread-safe.
 */
public final class PlacementCodec {

  private static final int FORMAT = 4;

  private PlacementCodec() {}

  // ------------------------------------------------------------------ commands

  public static byte[] encode(PlacementCommand command) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          CommandCodec.writeCommand(out, command);
        });
  }

  public static PlacementCommand decodeCommand(byte[] bytes) {
    return read(bytes, CommandCodec::readCommand);
  }

  /** The format an encoded form was written in (its first byte). */
  public static int format(byte[] encoded) {
    return encoded.length > 0 ? encoded[0] : 0;
  }

  /**
   * Whether an encoded command is of format 3 or later, whose Raft term the state machine hands to
   * {@link PlacementController#execute(PlacementCommand, long, long)}. A command logged in an older
   * format is applied without its term, as it was when it was written: replaying an old log gives
   * the state it gave then (ADR 7), so the term's grace (ADR 10) starts with the first command
   * written in format 3.
   */
  public static boolean tracksTerms(byte[] command) {
    return command.length > 0 && command[0] >= 3;
  }

  // ------------------------------------------------------------------ replies

  public static byte[] encode(PlacementReply reply) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          CommandCodec.writeReply(out, reply);
        });
  }

  public static PlacementReply decodeReply(byte[] bytes) {
    return read(bytes, (in, format) -> CommandCodec.readReply(in));
  }

  // ------------------------------------------------------------------ views and snapshots

  public static byte[] encode(PlacementView view) {
    return write(
        out -> {
          out.writeByte(FORMAT);
          out.writeLong(view.version());
          out.writeLong(view.time());
          PlacementFields.writeNullable(out, view.clusterId());
          out.writeLong(view.leaseMillis());
          out.writeLong(view.nextSeq());
          out.writeLong(view.lastSeq());
          PlacementFields.writeMembersAndSegments(out, view.members(), view.segments());
        });
  }

  public static PlacementView decodeView(byte[] bytes) {
    return read(
        bytes,
        (in, format) -> {
          long version = in.readLong();
          long time = in.readLong();
          String clusterId = PlacementFields.readNullable(in);
          long lease = in.readLong();
          long nextSeq = in.readLong();
          long lastSeq = in.readLong();
          List<Member> members = PlacementFields.readMembers(in, format);
          List<Segment> segments = PlacementFields.readSegments(in, format);
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
          PlacementFields.writeNullable(out, state.clusterId().orElse(null));
          out.writeLong(state.nextSeq());
          out.writeLong(state.lastSeq());
          out.writeLong(state.maxEpoch());
          out.writeLong(state.graceUntil());
          out.writeLong(state.term());
          PlacementFields.writeMembersAndSegments(out, state.members(), state.segments());
        });
  }

  /** Rebuilds a state written by {@link #snapshot}. */
  public static PlacementState restore(byte[] bytes, PlacementConfig config) {
    return read(
        bytes,
        (in, format) -> {
          long version = in.readLong();
          long time = in.readLong();
          String clusterId = PlacementFields.readNullable(in);
          long nextSeq = in.readLong();
          long lastSeq = in.readLong();
          long maxEpoch = in.readLong();
          long graceUntil = in.readLong();
          long term = format >= 3 ? in.readLong() : 0;
          List<Member> members = PlacementFields.readMembers(in, format);
          List<Segment> segments = PlacementFields.readSegments(in, format);
          return PlacementState.restored(
              config,
              version,
              time,
              clusterId,
              nextSeq,
              lastSeq,
              maxEpoch,
              graceUntil,
              term,
              members,
              segments);
        });
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
      if (format < 1 || format > FORMAT) {
        throw new IllegalArgumentException("unknown placement encoding format " + format);
      }
      return reader.read(in, format);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated or corrupt placement encoding", e);
    }
  }
}
