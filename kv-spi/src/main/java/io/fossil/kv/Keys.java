package io.fossil.kv;

import java.util.Arrays;

/**
 * Byte-string helpers shared by every backend: ordering, successors, printable forms, and what
 * in-memory tables keyed by bytes need (a hash; touching a batch's slots).
 */
public final class Keys {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Keys() {}

  /** Unsigned lexicographic order: the order every backend keeps. */
  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** The smallest key greater than {@code key}: {@code key + 0x00}. */
  public static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  /**
   * The smallest key greater than every key that starts with {@code prefix}, or null when there is
   * none (the prefix is empty or all 0xFF).
   */
  public static byte[] prefixEnd(byte[] prefix) {
    int i = prefix.length - 1;
    while (i >= 0 && prefix[i] == (byte) 0xFF) {
      i--;
    }
    if (i < 0) {
      return null;
    }
    byte[] end = Arrays.copyOf(prefix, i + 1);
    end[i]++;
    return end;
  }

  /**
   * A well-mixed hash of {@code bytes[from, to)} for in-memory tables keyed by bytes: FNV-1a, then
   * a finalizer that spreads it over all 64 bits, so that any of them can pick a slot.
   */
  public static long hash(byte[] bytes, int from, int to) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      h = (h ^ bytes[i]) * 0x100000001b3L;
    }
    h ^= h >>> 29;
    h *= 0xbf58476d1ce4e5b9L;
    return h ^ (h >>> 32);
  }

  /**
   * Reads the first byte of {@code lines} consecutive 64-byte cache lines of {@code table} from
   * each of {@code offsets} (stopping at the table's end), in one loop, and returns a value that
   * depends on every byte read: keep it in a field, or the compiler may drop the reads. A table far
   * larger than the cache calls this with a batch's slots before it looks any of them up, so that
   * their cache misses overlap instead of following one another.
   */
  public static int touch(byte[] table, int[] offsets, int lines) {
    int sum = 0;
    for (int offset : offsets) {
      for (int line = 0, at = offset; line < lines && at < table.length; line++, at += 64) {
        sum += table[at];
      }
    }
    return sum;
  }

  /** Concatenation. */
  public static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Printable form for messages: printable ASCII as is, other bytes as {@code \xNN}. */
  public static String toString(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length + 2).append('"');
    for (byte b : bytes) {
      int c = b & 0xFF;
      if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"') {
        sb.append((char) c);
      } else {
        sb.append("\\x").append(HEX[c >>> 4]).append(HEX[c & 0xF]);
      }
    }
    return sb.append('"').toString();
  }
}
