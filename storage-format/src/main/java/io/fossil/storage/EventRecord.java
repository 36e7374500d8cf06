package io.fossil.storage;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The bytes of an event record, the value of {@link Keyspace#eventKey}: a format byte, then the
 * stream name (first, so readers filter by stream without decoding the rest), position, id ("" for
 * none), type, commit time, data and metadata. The bytes are those of a {@link DataOutputStream}
 * (strings in its modified UTF-8 with a two-byte length, numbers big-endian).
 *
 * <p>Stateless and thread-safe. {@link #encode} throws {@link UncheckedIOException} for a string
 * over 65,535 bytes; the decoders throw {@link IllegalArgumentException} for bytes that are not a
 * record.
 */
public final class EventRecord {

  private static final int FORMAT = 1;

  private EventRecord() {}

  /**
   * Encodes a record into one array of the exact size: this runs for every event on the commit
   * path.
   */
  public static byte[] encode(StoredEvent e) {
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
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put((byte) FORMAT);
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
          new UTFDataFormatException("string of " + n + " bytes in an event record"));
    }
    return 2 + n;
  }

  private static void putUtf(ByteBuffer out, String s) {
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

  public static StoredEvent decode(byte[] record) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
      int format = in.readByte();
      if (format != FORMAT) {
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
