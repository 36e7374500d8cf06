package io.fossil.position;

/**
 * A segment's identity: its creation sequence and the range of the hash ring it covers, {@code
 * [first, last]} inclusive, compared as unsigned 64-bit numbers (ADR 0008).
 *
 * <p>Because a segment covering a ring point is only ever created as a successor of the open
 * segment covering that point, the segments that ever covered a point form one chain in creation
 * order. Hence {@link #isAncestorOf}: overlap plus a smaller sequence — computable from ids alone,
 * with no access to the topology.
 */
public record SegmentId(long seq, long first, long last) implements Comparable<SegmentId> {

  public SegmentId {
    if (seq < 1) {
      throw new IllegalArgumentException("segment sequence starts at 1, was " + seq);
    }
    if (Long.compareUnsigned(first, last) > 0) {
      throw new IllegalArgumentException(
          "segment range is inverted: "
              + Long.toUnsignedString(first, 16)
              + " > "
              + Long.toUnsignedString(last, 16));
    }
  }

  /** Whether the ring point lies in this segment's range. */
  public boolean contains(long point) {
    return Long.compareUnsigned(point, first) >= 0 && Long.compareUnsigned(point, last) <= 0;
  }

  /** Whether the two ranges share at least one ring point. */
  public boolean overlaps(SegmentId other) {
    return Long.compareUnsigned(first, other.last) <= 0
        && Long.compareUnsigned(other.first, last) <= 0;
  }

  /** Whether this segment precedes {@code other} in the chain of some ring point. */
  public boolean isAncestorOf(SegmentId other) {
    return seq < other.seq && overlaps(other);
  }

  /** Number of ring points covered, saturating at 2^64 - 1 for the whole ring. */
  public long width() {
    long w = last - first + 1;
    return w == 0 ? -1L : w;
  }

  /** Orders by sequence (creation order). */
  @Override
  public int compareTo(SegmentId o) {
    return Long.compare(seq, o.seq);
  }

  /** {@code seq:first-last} with the range in hex, e.g. {@code 7:0-7fffffffffffffff}. */
  @Override
  public String toString() {
    return seq + ":" + Long.toHexString(first) + "-" + Long.toHexString(last);
  }

  /** Parses {@link #toString()}'s form. */
  public static SegmentId parse(String text) {
    int colon = text.indexOf(':');
    int dash = text.indexOf('-', colon + 1);
    if (colon < 1 || dash < 0) {
      throw new IllegalArgumentException("not a segment id (seq:first-last): '" + text + "'");
    }
    try {
      return new SegmentId(
          Long.parseLong(text.substring(0, colon)),
          Long.parseUnsignedLong(text.substring(colon + 1, dash), 16),
          Long.parseUnsignedLong(text.substring(dash + 1), 16));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a segment id (seq:first-last): '" + text + "'", e);
    }
  }
}
