package io.fossil.position;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.zip.CRC32;

/**
 * A reader's place in the whole store (ADR 0016): for each segment on its frontier, the highest
 * counter read (-1: none yet). Every ancestor of a frontier segment has been read to its end, and a
 * segment that is neither on the frontier nor an ancestor of it has not been read at all.
 *
 * <p>"Ancestor" is decided from identities alone ({@link #covers}): a segment is behind the cursor
 * when a frontier entry with a higher sequence overlaps it. Readers keep that test exact by
 * dropping an entry only once entries of higher sequence cover its whole range ({@link
 * #dropCovered}).
 *
 * <p>A cursor belongs to one cluster and one selection (which streams the walk reads): a walk's
 * frontier says nothing about streams it did not select, so resuming it with another selection
 * would skip events. Both are recorded as 4-byte tags.
 *
 * <p>Clients see a cursor as an opaque token ({@link #encode()}): base64url without padding over a
 * version byte, the cluster and selection tags, the entry count and the entries, then a 2-byte
 * checksum. An entry is its sequence, its range and its counter, each a variable-length number, so
 * a segment of a 32-way ring costs 7 to 10 bytes. Immutable and thread-safe.
 */
public record Cursor(int clusterTag, int selectionTag, List<Entry> entries) {

  /** The token format written by this version; {@link #decode} refuses every other one. */
  public static final int VERSION = 1;

  /** Upper bound on entries a token may hold, so a hostile token cannot make us allocate much. */
  public static final int MAX_ENTRIES = 100_000;

  /** The highest counter read in one frontier segment, -1 when none yet. */
  public record Entry(SegmentId segment, long counter) {
    public Entry {
      if (counter < -1) {
        throw new IllegalArgumentException("counter must be -1 or more, was " + counter);
      }
    }

    @Override
    public String toString() {
      return segment + "@" + counter;
    }
  }

  /** A cursor of a whole-store walk (selection tag 0). */
  public Cursor(int clusterTag, List<Entry> entries) {
    this(clusterTag, 0, entries);
  }

  /** Entries in ascending sequence, at most one per segment. */
  public Cursor {
    entries = new ArrayList<>(entries);
    entries.sort(Comparator.comparingLong(e -> e.segment().seq()));
    for (int i = 1; i < entries.size(); i++) {
      if (entries.get(i).segment().seq() == entries.get(i - 1).segment().seq()) {
        throw new IllegalArgumentException("two entries for segment sequence " + entries.get(i));
      }
    }
    entries = List.copyOf(entries);
  }

  /** The cursor that has read nothing: a walk from it starts at the beginning. */
  public static Cursor start(int clusterTag) {
    return new Cursor(clusterTag, 0, List.of());
  }

  /** The same place, tagged for a walk of another selection (see {@link #selectionTag}). */
  public Cursor withSelectionTag(int tag) {
    return new Cursor(clusterTag, tag, entries);
  }

  /** The tag a cluster's cursors carry, so a cursor from another cluster is recognised. */
  public static int clusterTag(String clusterId) {
    return tag(clusterId);
  }

  /** A 32-bit tag of a text: CRC-32 of its UTF-8 bytes. */
  public static int tag(String text) {
    CRC32 crc = new CRC32();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return (int) crc.getValue();
  }

  /** The counter read in {@code segment} if it is on the frontier. */
  public OptionalLong counterOf(SegmentId segment) {
    for (Entry e : entries) {
      if (e.segment().equals(segment)) {
        return OptionalLong.of(e.counter());
      }
    }
    return OptionalLong.empty();
  }

  /** Whether {@code segment} is an ancestor of a frontier segment, hence read to its end. */
  public boolean covers(SegmentId segment) {
    for (Entry e : entries) {
      if (segment.isAncestorOf(e.segment())) {
        return true;
      }
    }
    return false;
  }

  /** Whether the walk that produced this cursor has delivered (or passed over) {@code p}. */
  public boolean contains(GlobalPosition p) {
    OptionalLong read = counterOf(p.segment());
    return (read.isPresent() && read.getAsLong() >= p.counter()) || covers(p.segment());
  }

  /**
   * Drops the entries whose whole range is covered by entries of higher sequence: what they say is
   * implied by those. An entry only partly covered stays, so {@link #covers} remains exact for
   * every segment read so far.
   */
  public static List<Entry> dropCovered(List<Entry> entries) {
    return dropCovered(entries, 0, -1L);
  }

  /**
   * As {@link #dropCovered(List)}, for a walk that reads only streams on the ring points {@code
   * [first, last]} (a category's arc): an entry goes once its part of that arc is covered.
   */
  public static List<Entry> dropCovered(List<Entry> entries, long first, long last) {
    List<Entry> kept = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      SegmentId s = e.segment();
      if (Long.compareUnsigned(s.last(), first) < 0 || Long.compareUnsigned(s.first(), last) > 0) {
        kept.add(e); // outside the arc: not this walk's business
        continue;
      }
      long from = Long.compareUnsigned(s.first(), first) >= 0 ? s.first() : first;
      long to = Long.compareUnsigned(s.last(), last) <= 0 ? s.last() : last;
      List<SegmentId> later = new ArrayList<>();
      for (Entry o : entries) {
        if (o.segment().seq() > s.seq() && o.segment().overlaps(s)) {
          later.add(o.segment());
        }
      }
      if (!coveredBy(from, to, later)) {
        kept.add(e);
      }
    }
    return kept;
  }

  /** Whether the ranges together cover every point of {@code [from, to]}. */
  private static boolean coveredBy(long from, long to, List<SegmentId> ranges) {
    ranges.sort((a, b) -> Long.compareUnsigned(a.first(), b.first()));
    long next = from; // the first point not yet known to be covered
    for (SegmentId r : ranges) {
      if (Long.compareUnsigned(r.first(), next) > 0) {
        return false; // a gap
      }
      if (Long.compareUnsigned(r.last(), next) >= 0) {
        if (Long.compareUnsigned(r.last(), to) >= 0) {
          return true;
        }
        next = r.last() + 1;
      }
    }
    return false;
  }

  /** The URL-safe token for this cursor. */
  public String encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8 + 10 * entries.size());
    out.write(VERSION);
    for (int tag : new int[] {clusterTag, selectionTag}) {
      for (int shift = 24; shift >= 0; shift -= 8) {
        out.write(tag >>> shift);
      }
    }
    writeVarint(out, entries.size());
    for (Entry e : entries) {
      writeVarint(out, e.segment().seq());
      writeRange(out, e.segment());
      writeVarint(out, e.counter() + 1);
    }
    CRC32 crc = new CRC32();
    crc.update(out.toByteArray());
    out.write((int) (crc.getValue() >>> 8));
    out.write((int) crc.getValue());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /**
   * Reads a token written by {@link #encode()}.
   *
   * @throws InvalidCursorException if the token is not one, is damaged, or has another version
   */
  public static Cursor decode(String token) {
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw new InvalidCursorException("is not a cursor token (not base64url, or truncated)");
    }
    if (bytes.length < 12) {
      throw new InvalidCursorException("is too short to be a cursor token (truncated?)");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 2);
    int expected = (int) crc.getValue() & 0xFFFF;
    int actual = (bytes[bytes.length - 2] & 0xFF) << 8 | bytes[bytes.length - 1] & 0xFF;
    if (expected != actual) {
      throw new InvalidCursorException("is damaged or truncated (checksum mismatch)");
    }
    if (bytes[0] != VERSION) {
      throw new InvalidCursorException(
          "has format version " + bytes[0] + "; this server reads version " + VERSION);
    }
    Reader in = new Reader(bytes, 1, bytes.length - 2);
    int tag = 0;
    for (int i = 0; i < 4; i++) {
      tag = tag << 8 | in.next();
    }
    int selection = 0;
    for (int i = 0; i < 4; i++) {
      selection = selection << 8 | in.next();
    }
    long count = in.varint();
    if (count < 0 || count > MAX_ENTRIES) {
      throw new InvalidCursorException("claims " + count + " entries");
    }
    List<Entry> entries = new ArrayList<>((int) count);
    long previousSeq = 0;
    for (long i = 0; i < count; i++) {
      long seq = in.varint();
      long[] range = in.range();
      long first = range[0];
      long last = range[1];
      long counter = in.varint() - 1;
      if (seq <= previousSeq) {
        throw new InvalidCursorException("is not in canonical form (sequences must ascend)");
      }
      previousSeq = seq;
      try {
        entries.add(new Entry(new SegmentId(seq, first, last), counter));
      } catch (IllegalArgumentException e) {
        throw new InvalidCursorException("holds an impossible entry: " + e.getMessage());
      }
    }
    if (!in.atEnd()) {
      throw new InvalidCursorException("has trailing bytes");
    }
    return new Cursor(tag, selection, entries);
  }

  @Override
  public String toString() {
    return entries.toString();
  }

  /** Unsigned LEB128. */
  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }

  /**
   * A range. Splits halve ranges, so most are aligned blocks of 2^k points: those are written as k
   * (0 to 64) and the block's number (absent for the whole ring), two or three bytes. Any other
   * range is 255, then its first point and the point after its last.
   */
  private static void writeRange(ByteArrayOutputStream out, SegmentId s) {
    long width = s.last() - s.first() + 1; // 0 for the whole ring
    if (width == 0) {
      out.write(64);
    } else if (Long.bitCount(width) == 1 && (s.first() & (width - 1)) == 0) {
      int k = Long.numberOfTrailingZeros(width);
      out.write(k);
      writeVarint(out, s.first() >>> k);
    } else {
      out.write(255);
      writeScaled(out, s.first());
      writeScaled(out, s.last() + 1); // 0 for a range that ends at the top of the ring
    }
  }

  /**
   * A ring point as (trailing zero bits, the rest): ring boundaries are multiples of large powers
   * of two, so they fit in two or three bytes. Zero is written as a lone 64.
   */
  private static void writeScaled(ByteArrayOutputStream out, long v) {
    int tz = Long.numberOfTrailingZeros(v);
    out.write(tz);
    if (tz < 64) {
      writeVarint(out, v >>> tz);
    }
  }

  private static final class Reader {
    private final byte[] bytes;
    private int at;
    private final int end;

    Reader(byte[] bytes, int at, int end) {
      this.bytes = bytes;
      this.at = at;
      this.end = end;
    }

    int next() {
      if (at >= end) {
        throw new InvalidCursorException("is truncated");
      }
      return bytes[at++] & 0xFF;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = next();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new InvalidCursorException("holds a number longer than 64 bits");
    }

    long[] range() {
      int k = next();
      if (k == 64) {
        return new long[] {0, -1L};
      }
      if (k < 64) {
        long block = varint();
        if (k > 0 && (block >>> (64 - k)) != 0) {
          throw new InvalidCursorException("holds a range beyond the ring");
        }
        long first = block << k;
        return new long[] {first, first + (1L << k) - 1};
      }
      if (k != 255) {
        throw new InvalidCursorException("holds an unknown range form " + k);
      }
      long first = scaled();
      return new long[] {first, scaled() - 1};
    }

    long scaled() {
      int tz = next();
      if (tz == 64) {
        return 0;
      }
      if (tz > 64) {
        throw new InvalidCursorException("holds an impossible ring point");
      }
      long rest = varint();
      if (tz > 0 && (rest >>> (64 - tz)) != 0) {
        throw new InvalidCursorException("holds a ring point beyond 64 bits");
      }
      return rest << tz;
    }

    boolean atEnd() {
      return at == end;
    }
  }
}
