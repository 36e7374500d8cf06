package io.fossil.placement;

import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.InvalidCursorException;
import io.fossil.position.SegmentId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One placement view's segments by sequence, including the segments compaction retired (ADR 0021):
 * where their events are stored now, and how positions and cursors that name them translate.
 * Immutable and thread-safe; {@link #of} keeps the last one built, since callers ask for the same
 * view many times.
 */
public final class SegmentHistory {

  /** A retired segment: the compacted segment that took it, and how its counters map there. */
  public record Retired(Segment into, Segment.Translation translation) {}

  /** Where a stored segment's events are: the segment that shows them, and the offset there. */
  private record Stored(Segment in, long offset) {}

  /** The last few built, by view identity: nodes in one JVM each ask for their own view. */
  private static final SegmentHistory[] RECENT = new SegmentHistory[8];

  private static int next;

  private final PlacementView view;
  private final Map<Long, Segment> live = new HashMap<>();
  private final Map<Long, Retired> retired = new HashMap<>();
  private final Map<Long, Stored> stored = new HashMap<>();

  private SegmentHistory(PlacementView view) {
    this.view = view;
    for (Segment s : view.segments()) {
      live.put(s.id().seq(), s);
      for (Segment.Part p : s.parts()) {
        stored.put(p.id().seq(), new Stored(s, p.offset()));
      }
      for (Segment.Translation t : s.translations()) {
        retired.put(t.from().seq(), new Retired(s, t));
      }
    }
  }

  /** The history of {@code view}. */
  public static SegmentHistory of(PlacementView view) {
    synchronized (RECENT) {
      for (SegmentHistory h : RECENT) {
        if (h != null && h.view == view) {
          return h;
        }
      }
    }
    SegmentHistory h = new SegmentHistory(view);
    synchronized (RECENT) {
      RECENT[next] = h;
      next = (next + 1) % RECENT.length;
    }
    return h;
  }

  public PlacementView view() {
    return view;
  }

  /** The segment in the DAG with this sequence, if any (retired ones are not). */
  public Optional<Segment> segment(long seq) {
    return Optional.ofNullable(live.get(seq));
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
