package io.fossil.kv;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Order-preserving encoding of keys made of strings, byte strings and 64-bit integers (ADR 0003).
 *
 * <p>Each element is a type byte then its body. Strings (UTF-8) and byte strings end with {@code
 * 0x00}; a {@code 0x00} inside them is written {@code 0x00 0xFF}. Integers are eight big-endian
 * bytes with the sign bit flipped. Hence: comparing two encoded keys byte by byte (unsigned)
 * compares their tuples element by element; no encoded tuple is a prefix of another unless the
 * first tuple is a prefix of the second; and {@link Builder#range()} of the tuple ("index", "foo")
 * holds every key that extends it, but no key of ("index", "foo/bar") or ("index", "foo2").
 *
 * <p>Thread-safe (stateless); builders are not.
 */
public final class TupleKey {

  static final byte BYTES = 0x01;
  static final byte STRING = 0x02;
  static final byte INT64 = 0x03;

  private TupleKey() {}

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Encodes the given elements, each a {@link String}, {@code byte[]}, {@link Long} or {@link
   * Integer}.
   */
  public static byte[] of(Object... elements) {
    Builder b = builder();
    for (Object e : elements) {
      b.add(e);
    }
    return b.build();
  }

  /** Decodes a key written by this class into its elements (String, byte[] or Long). */
  public static List<Object> decode(byte[] key) {
    List<Object> out = new ArrayList<>();
    int i = 0;
    while (i < key.length) {
      byte type = key[i++];
      switch (type) {
        case INT64 -> {
          if (i + 8 > key.length) {
            throw new IllegalArgumentException("truncated integer in key " + Keys.toString(key));
          }
          long v = 0;
          for (int k = 0; k < 8; k++) {
            v = (v << 8) | (key[i + k] & 0xFF);
          }
          out.add(v ^ Long.MIN_VALUE);
          i += 8;
        }
        case BYTES, STRING -> {
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          while (true) {
            if (i >= key.length) {
              throw new IllegalArgumentException(
                  "unterminated string in key " + Keys.toString(key));
            }
            byte b = key[i++];
            if (b != 0) {
              body.write(b);
            } else if (i < key.length && key[i] == (byte) 0xFF) {
              body.write(0);
              i++;
            } else {
              break;
            }
          }
          byte[] bytes = body.toByteArray();
          out.add(type == STRING ? new String(bytes, StandardCharsets.UTF_8) : bytes);
        }
        default ->
            throw new IllegalArgumentException(
                "unknown element type " + (type & 0xFF) + " in key " + Keys.toString(key));
      }
    }
    return out;
  }

  /** Appends elements to a key under construction; not thread-safe, reusable after build. */
  public static final class Builder {
    private byte[] buf = new byte[32];
    private int length;

    private Builder() {}

    public Builder add(Object element) {
      if (element instanceof String s) {
        return string(s);
      } else if (element instanceof byte[] b) {
        return bytes(b);
      } else if (element instanceof Long l) {
        return int64(l);
      } else if (element instanceof Integer n) {
        return int64(n);
      }
      throw new IllegalArgumentException(
          "a key element is a String, byte[], Long or Integer, not "
              + (element == null ? "null" : element.getClass().getName()));
    }

    public Builder string(String s) {
      return escaped(STRING, s.getBytes(StandardCharsets.UTF_8));
    }

    public Builder bytes(byte[] b) {
      return escaped(BYTES, b);
    }

    public Builder int64(long v) {
      reserve(9);
      buf[length++] = INT64;
      long flipped = v ^ Long.MIN_VALUE;
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[length++] = (byte) (flipped >>> shift);
      }
      return this;
    }

    /** The encoded key. */
    public byte[] build() {
      return java.util.Arrays.copyOf(buf, length);
    }

    /** Every key that extends the tuple built so far (the tuple itself included). */
    public KeyRange range() {
      byte[] prefix = build();
      byte[] end = java.util.Arrays.copyOf(prefix, prefix.length + 1);
      end[prefix.length] = (byte) 0xFF;
      return KeyRange.of(prefix, end);
    }

    /** The type byte, the body with every 0x00 followed by 0xFF, then the 0x00 terminator. */
    private Builder escaped(byte type, byte[] body) {
      int zeros = 0;
      for (byte b : body) {
        if (b == 0) {
          zeros++;
        }
      }
      reserve(body.length + zeros + 2);
      buf[length++] = type;
      if (zeros == 0) {
        System.arraycopy(body, 0, buf, length, body.length);
        length += body.length;
      } else {
        for (byte b : body) {
          buf[length++] = b;
          if (b == 0) {
            buf[length++] = (byte) 0xFF;
          }
        }
      }
      buf[length++] = 0;
      return this;
    }

    private void reserve(int bytes) {
      if (length + bytes > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, length + bytes));
      }
    }
  }
}
