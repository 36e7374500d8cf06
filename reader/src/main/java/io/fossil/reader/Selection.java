package io.fossil.reader;

import io.fossil.placement.HashRing;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;

/**
 * Which streams a cursor read returns: all, one category, a name prefix, and optionally one part of
 * {@code n} by stream hash (so {@code n} workers can share a category, each stream's events going
 * to one worker in order). A category, or a prefix holding a {@code -} (so all its streams share
 * one category), limits the read to the segments overlapping that category's arc of the ring; a
 * prefix without a {@code -} may match streams of any category, so it reads every segment.
 * Immutable and thread-safe.
 */
public record Selection(String category, String prefix, int part, int parts) {

  private static final Selection ALL = new Selection(null, null, 0, 1);

  public Selection {
    if (parts < 1 || part < 0 || part >= parts) {
      throw new IllegalArgumentException(
          "partition must be i/n with 0 <= i < n, was " + part + "/" + parts);
    }
    if (category != null && category.contains("-")) {
      throw new IllegalArgumentException(
          "a category is a stream name up to its first '-', so it holds none: '" + category + "'");
    }
  }

  public static Selection all() {
    return ALL;
  }

  /** The category whose arc bounds the read, or null for the whole ring. */
  public String arcCategory() {
    if (category != null) {
      return category;
    }
    if (prefix != null && prefix.indexOf('-') >= 0) {
      return HashRing.category(prefix);
    }
    return null;
  }

  /** The first ring point a selected stream can have. */
  public long arcFirst() {
    String arc = arcCategory();
    return arc == null ? 0 : HashRing.categoryStart(arc);
  }

  /** The last ring point a selected stream can have. */
  public long arcLast() {
    String arc = arcCategory();
    return arc == null ? -1L : HashRing.categoryEnd(arc);
  }

  /** Whether events of {@code segment} may match. */
  public boolean overlaps(SegmentId segment) {
    String arc = arcCategory();
    if (arc == null) {
      return true;
    }
    return Long.compareUnsigned(segment.first(), HashRing.categoryEnd(arc)) <= 0
        && Long.compareUnsigned(HashRing.categoryStart(arc), segment.last()) <= 0;
  }

  /** Whether every stream matches, so events need no filtering. */
  public boolean isAll() {
    return category == null && prefix == null && parts == 1;
  }

  /** Whether {@code stream}'s events are selected. */
  public boolean matches(String stream) {
    if (category != null && !HashRing.category(stream).equals(category)) {
      return false;
    }
    if (prefix != null && !stream.startsWith(prefix)) {
      return false;
    }
    return parts == 1 || partOf(stream, parts) == part;
  }

  /**
   * The tag cursors of this selection carry: 0 for the whole store, else a CRC-32 of the selection,
   * so a cursor is not resumed with another selection (it would skip events).
   */
  public int tag() {
    if (isAll()) {
      return 0;
    }
    return Cursor.tag(
        "category="
            + category
            + "\u0000prefix="
            + prefix
            + "\u0000partition="
            + part
            + "/"
            + parts);
  }

  /** Which of {@code parts} parts a stream falls in, by the stream half of its ring point. */
  public static int partOf(String stream, int parts) {
    long hash = HashRing.point(stream) & 0xFFFF_FFFFL;
    return (int) ((hash * parts) >>> 32);
  }
}
