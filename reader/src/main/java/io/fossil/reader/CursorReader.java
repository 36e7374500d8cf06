package io.fossil.reader;

import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.InvalidCursorException;
import io.fossil.position.SegmentId;
import io.fossil.storage.StoredEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads across segments from a {@link Cursor}, following the ownership chain (ADR 0016).
 *
 * <p>The rules that make every event arrive exactly once per walk, each stream's in position order:
 *
 * <ul>
 *   <li>A segment is read only once all its predecessors are read to their final counters; within a
 *       segment, events come in counter order (counters are dense and become visible in order).
 *   <li>A segment is finished only when the store's seal record gives its final counter and the
 *       walk has read up to it. Placement's view decides nothing on its own: a stale view at worst
 *       delays a walk. A short read of a sealed segment is read again, never taken as its end.
 *   <li>A finished segment stays on the frontier until its successors (named by the view that
 *       sealed it) are on the frontier and cover its range.
 * </ul>
 *
 * Every read is a linearizable store read. Thread-safe: each call walks on its own.
 */
public final class CursorReader {

  /** Largest page a caller may ask for. */
  public static final int MAX_LIMIT = 1_000;

  /** Entries a filtered page may scan before it returns (possibly empty, cursor advanced). */
  public static final int SCAN_BUDGET = 10_000;

  /** An event as delivered: where it is, and the cursor just after it if asked for. */
  public record CursorEvent(StoredEvent event, GlobalPosition position, Cursor after) {}

  /**
   * A page: its events and the cursor after it. {@code more} says the page stopped at its limit or
   * scan budget, so more may be readable at once; otherwise the walk has caught up.
   */
  public record Page(List<CursorEvent> events, Cursor cursor, boolean more) {}

  private final KvStore store;

  public CursorReader(KvStore store) {
    this.store = store;
  }

  /** The tag of the cluster {@code view} belongs to, for {@link Cursor#start}. */
  public static int clusterTag(PlacementView view) {
    return Cursor.clusterTag(view.clusterId() == null ? "" : view.clusterId());
  }

  /**
   * Checks a client's cursor against the cluster's segments.
   *
   * @throws InvalidCursorException naming what does not fit: another cluster, a segment this view
   *     does not have (the caller may first wait for a newer view: see {@link #isAhead}), or one
   *     whose identity differs
   * @throws io.fossil.placement.ExpiredPositionException if it names a segment compaction retired
   *     longer ago than the translation grace period
   */
  public static void validate(PlacementView view, Cursor cursor, Selection selection) {
    resolve(view, cursor, selection);
  }

  /**
   * The cursor in {@code view}'s segments (entries naming segments that compaction retired are
   * translated: ADR 0021), checked as {@link #validate} says.
   */
  public static Cursor resolve(PlacementView view, Cursor original, Selection selection) {
    if (original.clusterTag() != clusterTag(view)) {
      throw new InvalidCursorException("comes from another cluster");
    }
    Cursor cursor = view.history().translate(original);
    if (cursor.selectionTag() != selection.tag() && !cursor.entries().isEmpty()) {
      throw new InvalidCursorException(
          "was made by a read of another selection (category, prefix, partition); resume it with"
              + " the selection it came from");
    }
    for (Cursor.Entry e : cursor.entries()) {
      Segment s = view.segmentAt(e.segment().seq()).orElse(null);
      if (e.segment().seq() >= view.nextSeq()) {
        throw new InvalidCursorException(
            "names segment "
                + e.segment()
                + ", which this cluster has not created (from the future?)");
      }
      if (s == null) {
        throw new InvalidCursorException("names segment " + e.segment() + ", which does not exist");
      }
      if (!s.id().equals(e.segment())) {
        throw new InvalidCursorException(
            "names segment " + e.segment() + " but that sequence is " + s.id() + " here");
      }
      if (!s.isOpen() && s.finalKnown() && e.counter() > s.finalCounter()) {
        throw pastTheEnd(s.id(), e.counter(), s.finalCounter());
      }
    }
    return cursor;
  }

  static InvalidCursorException pastTheEnd(SegmentId segment, long counter, long end) {
    return new InvalidCursorException(
        "is at counter "
            + counter
            + " of segment "
            + segment
            + ", which ended at "
            + end
            + " (from the future?)");
  }

  /**
   * Whether the cursor names a segment newer than {@code view} knows, or a counter past the end
   * this view gives a sealed segment (a newer view may have compacted it with its successors): wait
   * for a newer view.
   */
  public static boolean isAhead(PlacementView view, Cursor cursor) {
    return cursor.entries().stream().anyMatch(e -> isAhead(view, e.segment(), e.counter()));
  }

  /**
   * Whether a position names a segment newer than {@code view} knows, or a counter past the end it
   * gives a sealed segment (a newer view may have compacted it): wait for a newer view.
   */
  public static boolean isAhead(PlacementView view, GlobalPosition p) {
    return isAhead(view, p.segment(), p.counter());
  }

  private static boolean isAhead(PlacementView view, SegmentId segment, long counter) {
    if (segment.seq() >= view.nextSeq()) {
      return true;
    }
    Segment s = view.segmentAt(segment.seq()).orElse(null);
    return s != null && !s.isOpen() && s.finalKnown() && counter > s.finalCounter();
  }

  /**
   * Reads up to {@code limit} selected events after {@code from}.
   *
   * @param cursorPerEvent whether each event carries the cursor just after it (live tails)
   */
  public CompletableFuture<Page> read(
      PlacementView view, Cursor from, Selection selection, int limit, boolean cursorPerEvent) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
    }
    Cursor resolved;
    try {
      resolved = view.history().translate(from);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e); // expired or invalid: callers map it
    }
    return new CursorWalk(store, view, resolved, selection, limit, cursorPerEvent, false).run();
  }

  /**
   * The cursor at the current end of the selected segments: a walk from it sees only new events.
   */
  public CompletableFuture<Cursor> end(PlacementView view, Selection selection) {
    return new CursorWalk(
            store, view, Cursor.start(clusterTag(view)), selection, Integer.MAX_VALUE, false, true)
        .run()
        .thenApply(Page::cursor);
  }
}
