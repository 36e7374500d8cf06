package io.fossil.placement;

import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.InvalidCursorException;
import io.fossil.position.SegmentId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The index of one placement view: its segments by sequence, its open segments by ring point, and
 * the segments compaction retired (ADR 0021): where their events are stored now, and how positions
 * and cursors that name them translate. Each {@link PlacementView} builds its own once, on first
 * use ({@link PlacementView#history}). Immutable and thread-safe.
 */
public final class SegmentHistory {

  /** A retired segment: the compacted segment that took it, and how its counters map there. */
  public record Retired(Segment into, Segment.Translation translation) {}

  /** Where a stored segment's events are: the segment that shows them, and the offset there. */
  private record Stored(Segment in, long offset) {}

  private static final Segment[] NONE = new Segment[0];

  private final PlacementView view;
  private final Map<Long, Segment> live;
  private final Map<Long, Retired> retired = new HashMap<>();
  private final Map<Long, Stored> stored = new HashMap<>();

  /**
   * The open segments ordered by their first ring point, and those first points with the sign bit
   * flipped so that signed order is the ring's unsigned order (for a binary search).
   */
  private final Segment[] open;

  private final long[] openKeys;

  /**
   * Whether two open segments overlap. Placement state never allows it; a view that has it anyway
   * is searched in list order, as {@link PlacementView#openSegmentAt} always did.
   */
  private final boolean openOverlap;

  SegmentHistory(PlacementView view) {
    this.view = view;
    List<Segment> segments = view.segments();
    this.live = new HashMap<>(Math.max(16, segments.size() * 4 / 3 + 1));
    List<Segment> opened = new ArrayList<>();
    for (Segment s : segments) {
      live.put(s.id().seq(), s);
      if (s.isOpen()) {
        opened.add(s);
      }
      for (Segment.Part p : s.parts()) {
        stored.put(p.id().seq(), new Stored(s, p.offset()));
      }
      for (Segment.Translation t : s.translations()) {
        retired.put(t.from().seq(), new Retired(s, t));
      }
    }
    this.open = opened.toArray(NONE);
    Arrays.sort(open, (a, b) -> Long.compareUnsigned(a.id().first(), b.id().first()));
    this.openKeys = new long[open.length];
    boolean overlap = false;
    for (int i = 0; i < open.length; i++) {
      openKeys[i] = open[i].id().first() ^ Long.MIN_VALUE;
      overlap |= i > 0 && Long.compareUnsigned(open[i - 1].id().last(), open[i].id().first()) >= 0;
    }
    this.openOverlap = overlap;
  }

  /**
   * The history of {@code view}: the same as {@link PlacementView#history()}, which builds it once
   * per view. Nothing is cached across views.
   */
  public static SegmentHistory of(PlacementView view) {
    return view.history();
  }

  public PlacementView view() {
    return view;
  }

  /** The segment in the DAG with this sequence, if any (retired ones are not). */
  public Optional<Segment> segment(long seq) {
    return Optional.ofNullable(live.get(seq));
  }

  /** The segment with sequence {@code seq}, or null. */
  Segment at(long seq) {
    return live.get(seq);
  }

  /** The open segment whose range holds {@code point}, or null. */
  Segment openAt(long point) {
    if (openOverlap) {
      for (Segment s : view.segments()) {
        if (s.isOpen() && s.id().contains(point)) {
          return s;
        }
      }
      return null;
    }
    int i = Arrays.binarySearch(openKeys, point ^ Long.MIN_VALUE);
    int floor = i >= 0 ? i : -i - 2; // the last open segment starting at or before the point
    if (floor < 0) {
      return null;
    }
    Segment s = open[floor];
    return s.id().contains(point) ? s : null;
  }

  /** Number of segments compaction retired into the segments of this view. */
  public int retiredCount() {
    return retired.size();
  }

  /**
   * The global position of the event stored under segment {@code seq} at {@code counter}, as
   * clients see it now: inside its compacted segment if it was retired. Data locations never
   * expire, so this works after the translation grace period too. Empty if the view does not know
   * the segment.
   */
  public Optional<GlobalPosition> stored(long seq, long counter) {
    Stored at = stored.get(seq);
    if (at != null) {
      return Optional.of(new GlobalPosition(at.in().id(), at.offset() + counter));
    }
    Segment s = live.get(seq);
    return s == null ? Optional.empty() : Optional.of(new GlobalPosition(s.id(), counter));
  }

  /**
   * A position a client holds, in today's segments: unchanged unless it names a retired segment.
   *
   * @throws ExpiredPositionException if that segment's translation grace period has passed
   * @throws InvalidCursorException if the counter is past the retired segment's end
   */
  public GlobalPosition translate(GlobalPosition p) {
    Retired r = retiredMatching(p.segment());
    if (r == null) {
      return p;
    }
    return new GlobalPosition(r.into().id(), counterIn(r, p.segment(), p.counter()));
  }

  /**
   * Where counter {@code counter} of retired segment {@code id} is in the segment that took it; -1
   * ("nothing read here yet") lands just before its range, meaning everything before is read.
   */
  private static long counterIn(Retired r, SegmentId id, long counter) {
    Segment.Translation t = r.translation();
    if (counter > t.lastCounter()) {
      throw new InvalidCursorException(
          "is at counter " + counter + " of segment " + id + ", which ended at " + t.lastCounter());
    }
    return t.offset() + counter;
  }

  /**
   * A cursor in today's segments: entries naming retired segments become entries of the compacted
   * segments that hold them (two that land on one segment keep the further one). Returns {@code
   * cursor} itself when nothing names a retired segment.
   *
   * @throws ExpiredPositionException if an entry's translation grace period has passed
   */
  public Cursor translate(Cursor cursor) {
    boolean changed = false;
    Map<Long, Cursor.Entry> out = new LinkedHashMap<>();
    for (Cursor.Entry e : cursor.entries()) {
      Cursor.Entry t = e;
      Retired r = retiredMatching(e.segment());
      if (r != null) {
        t = new Cursor.Entry(r.into().id(), counterIn(r, e.segment(), e.counter()));
        changed = true;
      }
      out.merge(t.segment().seq(), t, (a, b) -> a.counter() >= b.counter() ? a : b);
    }
    if (!changed) {
      return cursor;
    }
    return new Cursor(cursor.clusterTag(), cursor.selectionTag(), new ArrayList<>(out.values()));
  }

  private Retired retiredMatching(SegmentId id) {
    Retired r = retired.get(id.seq());
    if (r == null || !r.translation().from().equals(id)) {
      return null; // not retired, or not this id: validation says what is wrong with it
    }
    if (view.time() > r.translation().until()) {
      throw new ExpiredPositionException(
          "names segment "
              + id
              + ", which compaction merged into "
              + r.into().id()
              + "; positions in it were translated until "
              + Instant.ofEpochMilli(r.translation().until())
              + " and have expired: start again from a newer cursor");
    }
    return r;
  }
}
