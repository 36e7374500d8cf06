package io.fossil.owner;

import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import io.fossil.kv.TupleKey;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Where events live in the store (ADR 0011). Segments are named by their sequence, which is never
 * reused:
 *
 * <pre>
 *   ("seg", seq, "e", counter) → event record (stream name first, so readers filter without decoding payloads)
 *   ("seg", seq, "seal")       → seal marker, then seal record (present = sealed)
 *   ("seg", seq, "meta")       → owner incarnation, written once
 *   ("str", stream, position)  → (seq, counter): a reference to the one stored copy
 *   ("id", stream, eventId)    → (position, payload hash)
 * </pre>
 *
 * Stateless and thread-safe.
 */
public final class EventLayout {

  private static final int RECORD_FORMAT = 1;
  private static final int SEAL_MARKER = 1;
  private static final int SEAL_FINAL = 2;

  private EventLayout() {}

  public static byte[] eventKey(long seq, long counter) {
    return TupleKey.builder().string("seg").int64(seq).string("e").int64(counter).build();
  }

  public static KeyRange eventRange(long seq) {
    return TupleKey.builder().string("seg").int64(seq).string("e").range();
  }

  public static byte[] sealKey(long seq) {
    return TupleKey.of("seg", seq, "seal");
  }

  public static byte[] metaKey(long seq) {
    return TupleKey.of("seg", seq, "meta");
  }

  public static byte[] indexKey(String stream, long position) {
    return TupleKey.of("str", stream, position);
  }

  public static KeyRange indexRange(String stream) {
    return TupleKey.builder().string("str").string(stream).range();
  }

  /**
   * Every position key of the stream, and nothing else: the same keys as {@link #indexRange}, from
   * the lowest 64-bit position on, so that a store can tell that a scan of it covered one family of
   * keys (the embedded store learns a stream's head from it, ADR 0004).
   */
  public static KeyRange positionRange(String stream) {
    return KeyRange.of(
        indexKey(stream, Long.MIN_VALUE), Keys.successor(indexKey(stream, Long.MAX_VALUE)));
  }

  public static byte[] idKey(String stream, String eventId) {
    return TupleKey.of("id", stream, eventId);
  }

  /** The stream index value: which segment and counter hold the event. */
  public static byte[] indexValue(long seq, long counter) {
    return TupleKey.of(seq, counter);
  }

  /** (seq, counter) of an index value. */
  public static long[] decodeIndexValue(byte[] value) {
    List<Object> f = TupleKey.decode(value);
    return new long[] {(Long) f.get(0), (Long) f.get(1)};
  }

  public static byte[] idValue(long position, long payloadHash) {
    return TupleKey.of(position, payloadHash);
  }

  public static long[] decodeIdValue(byte[] value) {
    List<Object> f = TupleKey.decode(value);
    return new long[] {(Long) f.get(0), (Long) f.get(1)};
  }

  /** The position of an index key ("str", stream, position). */
  public static long positionOfIndexKey(byte[] key) {
    List<Object> f = TupleKey.decode(key);
    return (Long) f.get(2);
  }

  /** The counter of an event key ("seg", seq, "e", counter). */
  public static long counterOfEventKey(byte[] key) {
    List<Object> f = TupleKey.decode(key);
    return (Long) f.get(3);
  }

  /** The marker a new owner puts first: "sealed by {@code successorSeq}, final counter pending". */
  public static byte[] sealMarker(long successorSeq, long epoch) {
    return TupleKey.of((long) SEAL_MARKER, successorSeq, epoch);
  }

  /** The complete seal record: final counter and the successor that sealed it. */
  public static byte[] sealRecord(long successorSeq, long epoch, long finalCounter) {
    return TupleKey.of((long) SEAL_FINAL, successorSeq, epoch, finalCounter);
  }

  /** The final counter in a seal record, or empty for a bare marker (still being sealed). */
  public static java.util.OptionalLong finalCounter(byte[] sealValue) {
    List<Object> f = TupleKey.decode(sealValue);
    return (Long) f.get(0) == SEAL_FINAL
        ? java.util.OptionalLong.of((Long) f.get(3))
        : java.util.OptionalLong.empty();
  }

  /**
   * Encodes an event record; the stream name comes first. The bytes are those of a {@link
   * DataOutputStream} (strings in its modified UTF-8 with a two-byte length, numbers big-endian),
   * written into one array of the exact size: this runs for every event on the commit path.
   */
  public static byte[] encodeRecord(StoredEvent e) {
    String id = e.id() == null ? "" : e.id();
    int size =
        1
            + utfSize(e.stream())
            + 8
            + utfSize(id)
            + utfSize(e.type())
            + 8
            + 4
            + e.data().length
            + 4
            + e.metadata().length;
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(size);
    out.put((byte) RECORD_FORMAT);
    putUtf(out, e.stream());
    out.putLong(e.position());
    putUtf(out, id);
    putUtf(out, e.type());
    out.putLong(e.time());
    out.putInt(e.data().length).put(e.data());
    out.putInt(e.metadata().length).put(e.metadata());
    return out.array();
  }

  /** The two-byte length plus the modified UTF-8 body that {@code writeUTF} would write. */
  private static int utfSize(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c >= 0x01 && c <= 0x7F ? 1 : c > 0x7FF ? 3 : 2;
    }
    if (n > 0xFFFF) {
      throw new UncheckedIOException(
          new java.io.UTFDataFormatException("string of " + n + " bytes in an event record"));
    }
    return 2 + n;
  }

  private static void putUtf(java.nio.ByteBuffer out, String s) {
    int lengthAt = out.position();
    out.putShort((short) 0);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x01 && c <= 0x7F) {
        out.put((byte) c);
      } else if (c > 0x7FF) {
        out.put((byte) (0xE0 | ((c >> 12) & 0x0F)));
        out.put((byte) (0x80 | ((c >> 6) & 0x3F)));
        out.put((byte) (0x80 | (c & 0x3F)));
      } else {
        out.put((byte) (0xC0 | ((c >> 6) & 0x1F)));
        out.put((byte) (0x80 | (c & 0x3F)));
      }
    }
    out.putShort(lengthAt, (short) (out.position() - lengthAt - 2));
  }

  /** The stream name of an event record, without decoding the rest. */
  public static String streamOf(byte[] record) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
      in.readByte();
      return in.readUTF();
    } catch (IOException ex) {
      throw new IllegalArgumentException("corrupt event record", ex);
    }
  }

  public static StoredEvent decodeRecord(byte[] record) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
      int format = in.readByte();
      if (format != RECORD_FORMAT) {
        throw new IllegalArgumentException("unknown event record format " + format);
      }
      String stream = in.readUTF();
      long position = in.readLong();
      String id = in.readUTF();
      String type = in.readUTF();
      long time = in.readLong();
      byte[] data = new byte[in.readInt()];
      in.readFully(data);
      byte[] metadata = new byte[in.readInt()];
      in.readFully(metadata);
      return new StoredEvent(
          stream, position, id.isEmpty() ? null : id, type, data, metadata, time);
    } catch (IOException ex) {
      throw new IllegalArgumentException("corrupt event record", ex);
    }
  }
}
