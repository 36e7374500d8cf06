package io.fossil.kv;

import java.util.Objects;

/**
 * A half-open range of keys {@code [start, end)} in unsigned lexicographic order. A null {@code
 * end} means "to the end of the key space".
 */
public record KeyRange(byte[] start, byte[] end) {

  private static final byte[] EMPTY = new byte[0];

  public KeyRange {
    Objects.requireNonNull(start, "start");
    if (end != null && Keys.compare(start, end) > 0) {
      throw new IllegalArgumentException(
          "range start " + Keys.toString(start) + " is after its end " + Keys.toString(end));
    }
  }

  /** Every key. */
  public static KeyRange all() {
    return new KeyRange(EMPTY, null);
  }

  /** {@code [start, end)}. */
  public static KeyRange of(byte[] start, byte[] end) {
    return new KeyRange(start, end);
  }

  /** Every key that starts with {@code prefix}. */
  public static KeyRange prefix(byte[] prefix) {
    return new KeyRange(prefix, Keys.prefixEnd(prefix));
  }

  /** Whether {@code key} lies in this range. */
  public boolean contains(byte[] key) {
    return Keys.compare(key, start) >= 0 && (end == null || Keys.compare(key, end) < 0);
  }

  /** Whether the range holds no key at all. */
  public boolean isEmpty() {
    return end != null && Keys.compare(start, end) >= 0;
  }

  /** The part of this range strictly after {@code key} (for paging forwards). */
  public KeyRange after(byte[] key) {
    byte[] next = Keys.successor(key);
    if (end != null && Keys.compare(next, end) > 0) {
      return new KeyRange(end, end);
    }
    return new KeyRange(Keys.compare(next, start) > 0 ? next : start, end);
  }

  /** The part of this range strictly before {@code key} (for paging backwards). */
  public KeyRange before(byte[] key) {
    if (Keys.compare(key, start) < 0) {
      return new KeyRange(start, start);
    }
    return new KeyRange(start, end == null || Keys.compare(key, end) < 0 ? key : end);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyRange r
        && java.util.Arrays.equals(start, r.start)
        && java.util.Arrays.equals(end, r.end);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(start) + java.util.Arrays.hashCode(end);
  }

  @Override
  public String toString() {
    return "[" + Keys.toString(start) + ", " + (end == null ? "end" : Keys.toString(end)) + ")";
  }
}
