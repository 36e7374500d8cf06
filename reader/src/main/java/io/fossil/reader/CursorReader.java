package io.fossil.reader;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.KvStore;
import io.fossil.owner.EventLayout;
import io.fossil.owner.StoredEvent;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.InvalidCursorException;
import io.fossil.position.SegmentId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
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

  private static final int SCAN_CHUNK = 1_000;

  /** Segments scanned at once within a pass. */
  private static final int PARALLEL_SCANS = 8;

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

  private static InvalidCursorException pastTheEnd(SegmentId segment, long counter, long end) {
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
    return new Walk(view, resolved, selection, limit, cursorPerEvent, false).run();
  }

  /**
   * The cursor at the current end of the selected segments: a walk from it sees only new events.
   */
  public CompletableFuture<Cursor> end(PlacementView view, Selection selection) {
    return new Walk(view, Cursor.start(clusterTag(view)), selection, Integer.MAX_VALUE, false, true)
        .run()
        .thenApply(Page::cursor);
  }

  /** One page's walk. Runs one step at a time; not shared between threads. */
  private final class Walk {
    private final PlacementView view;
    private final int tag;
    private final Selection selection;
    private final int limit;
    private final boolean cursorPerEvent;
    private final boolean skip;
    private final List<Segment> roots = new ArrayList<>();
    private final TreeMap<Long, Cursor.Entry> frontier = new TreeMap<>();
    private final Map<Long, OptionalLong> finals = new HashMap<>();
    private final ArrayDeque<Segment> queue = new ArrayDeque<>();
    private final List<CursorEvent> events = new ArrayList<>();
    private final CompletableFuture<Page> result = new CompletableFuture<>();
    private long scanned;
    private boolean finishedOne;
    private boolean more;

    Walk(
        PlacementView view,
        Cursor from,
        Selection selection,
        int limit,
        boolean cursorPerEvent,
        boolean skip) {
      this.view = view;
      this.tag = from.clusterTag();
      this.selection = selection;
      this.limit = limit;
      this.cursorPerEvent = cursorPerEvent;
      this.skip = skip;
      for (Cursor.Entry e : from.entries()) {
        frontier.put(e.segment().seq(), e);
      }
      for (Segment s : view.segments()) {
        if (s.predecessors().isEmpty() && selection.overlaps(s.id())) {
          roots.add(s);
        }
        if (s.isCompacted()) {
          // Built only from final counters the store's seal records gave (ADR 0021).
          finals.put(s.id().seq(), OptionalLong.of(s.finalCounter()));
        }
      }
    }

    CompletableFuture<Page> run() {
      plan();
      drive();
      return result;
    }

    /** Runs steps while they complete at once, so a synchronous store cannot deepen the stack. */
    private void drive() {
      while (true) {
        CompletableFuture<Boolean> step;
        try {
          step = step();
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
          return;
        }
        if (!step.isDone()) {
          step.whenComplete(
              (again, error) -> {
                if (error != null) {
                  result.completeExceptionally(error);
                } else if (again) {
                  drive();
                } else {
                  finish();
                }
              });
          return;
        }
        boolean again;
        try {
          again = step.join();
        } catch (RuntimeException e) {
          result.completeExceptionally(e.getCause() != null ? e.getCause() : e);
          return;
        }
        if (!again) {
          finish();
          return;
        }
      }
    }

    /** One store call, or a new pass; completes with whether to go on. */
    private CompletableFuture<Boolean> step() {
      if (events.size() >= limit || scanned >= SCAN_BUDGET && !skip) {
        more = true;
        return CompletableFuture.completedFuture(false);
      }
      if (queue.isEmpty()) {
        if (!finishedOne) {
          return CompletableFuture.completedFuture(false);
        }
        plan(); // a segment was finished: its successors may be readable now
        return CompletableFuture.completedFuture(!queue.isEmpty());
      }
      Segment s = queue.peek();
      long seq = s.id().seq();
      if (!s.isOpen() && !finals.containsKey(seq)) {
        // Read the seal before the events: everything up to a final counter is committed.
        return store
            .get(EventLayout.sealKey(seq))
            .thenApply(
                seal -> {
                  finals.put(
                      seq,
                      seal.isPresent()
                          ? EventLayout.finalCounter(seal.get())
                          : OptionalLong.empty());
                  return true;
                });
      }
      Cursor.Entry at = frontier.computeIfAbsent(seq, k -> new Cursor.Entry(s.id(), -1));
      OptionalLong end = finals.getOrDefault(seq, OptionalLong.empty());
      if (end.isPresent() && at.counter() > end.getAsLong()) {
        throw pastTheEnd(s.id(), at.counter(), end.getAsLong());
      }
      if (end.isPresent() && at.counter() == end.getAsLong()) {
        queue.poll();
        finishedOne = true;
        return CompletableFuture.completedFuture(true);
      }
      if (skip) {
        return skipToEnd(s, at, end);
      }
      List<Segment> batch = scanReady();
      if (batch.size() > 1) {
        return scanInParallel(batch);
      }
      int chunk = selection.isAll() ? Math.min(SCAN_CHUNK, limit - events.size()) : SCAN_CHUNK;
      return scan(s, chunk)
          .thenApply(
              page -> {
                Scan r = deliver(s, page);
                if (r == Scan.DRAINED) {
                  queue.poll();
                }
                return r != Scan.FULL;
              });
    }

    /** One scan's entries, their counters less {@code offset}, and whether the segment has more. */
    private record Chunk(List<KeyValue> entries, long offset, boolean more) {}

    /** What one scan of a segment came to. */
    private enum Scan {
      /** Read to its current end (or its final counter). */
      DRAINED,
      /** The scan stopped at its chunk: more to read. */
      MORE,
      /** The page is full. */
      FULL
    }

    /**
     * Scans the segment from just after its frontier entry. A compacted segment is scanned one
     * stored part at a time; counters in a chunk are {@code offset} plus the stored ones.
     */
    private CompletableFuture<Chunk> scan(Segment s, int chunk) {
      long seq = s.id().seq();
      long next = frontier.get(seq).counter() + 1;
      if (s.isCompacted()) {
        Segment.Part part =
            s.parts().stream()
                .filter(p -> p.holds(next))
                .findFirst()
                .orElseThrow(() -> pastTheEnd(s.id(), next, s.finalCounter()));
        long stored = part.id().seq();
        boolean later = part.offset() + part.finalCounter() < s.finalCounter();
        return store
            .scan(
                KeyRange.of(
                    EventLayout.eventKey(stored, next - part.offset()),
                    EventLayout.eventKey(stored, part.finalCounter() + 1)),
                chunk,
                false)
            .thenApply(
                // A part that yields nothing short of its end is a short read, not a step on.
                page ->
                    new Chunk(
                        page.entries(),
                        part.offset(),
                        page.rest().isPresent() || later && !page.entries().isEmpty()));
      }
      OptionalLong end = finals.getOrDefault(seq, OptionalLong.empty());
      byte[] startKey = EventLayout.eventKey(seq, next);
      KeyRange range =
          end.isPresent()
              ? KeyRange.of(startKey, EventLayout.eventKey(seq, end.getAsLong() + 1))
              : KeyRange.of(startKey, EventLayout.eventRange(seq).end());
      return store
          .scan(range, chunk, false)
          .thenApply(page -> new Chunk(page.entries(), 0, page.rest().isPresent()));
    }

    /**
     * The segments at the head of the queue that can be scanned right away (no seal to read first,
     * not finished), at most {@link #PARALLEL_SCANS}: scanning them together hides the store's
     * latency when most have little or nothing new (live tails, remote stores).
     */
    private List<Segment> scanReady() {
      List<Segment> batch = new ArrayList<>();
      for (Segment x : queue) {
        long seq = x.id().seq();
        OptionalLong end = finals.getOrDefault(seq, OptionalLong.empty());
        boolean needsSeal = !x.isOpen() && !finals.containsKey(seq);
        Cursor.Entry at = frontier.get(seq);
        if (batch.size() == PARALLEL_SCANS
            || needsSeal
            || (end.isPresent() && (at == null || at.counter() >= end.getAsLong()))) {
          break;
        }
        batch.add(x);
      }
      return batch;
    }

    /**
     * Scans {@code batch} at once, each for a share of what the page still takes (so a page of busy
     * segments reads no more than it delivers), then delivers in queue order. Segments with more to
     * read, and those not reached because the page filled, go back to the queue's head.
     */
    private CompletableFuture<Boolean> scanInParallel(List<Segment> batch) {
      int chunk =
          selection.isAll()
              ? Math.max(1, Math.min(SCAN_CHUNK, (limit - events.size()) / batch.size()))
              : SCAN_CHUNK / batch.size();
      List<CompletableFuture<Chunk>> scans = new ArrayList<>(batch.size());
      for (Segment x : batch) {
        frontier.computeIfAbsent(x.id().seq(), k -> new Cursor.Entry(x.id(), -1));
        scans.add(scan(x, chunk));
      }
      for (int i = 0; i < batch.size(); i++) {
        queue.poll();
      }
      return CompletableFuture.allOf(scans.toArray(CompletableFuture[]::new))
          .thenApply(
              done -> {
                List<Segment> again = new ArrayList<>();
                boolean full = false;
                for (int i = 0; i < batch.size(); i++) {
                  Segment x = batch.get(i);
                  if (full) {
                    again.add(x); // not delivered: its scan is dropped, its entry unchanged
                    continue;
                  }
                  Scan r = deliver(x, scans.get(i).join());
                  if (r != Scan.DRAINED) {
                    again.add(x);
                  }
                  full = r == Scan.FULL;
                }
                for (int i = again.size() - 1; i >= 0; i--) {
                  queue.addFirst(again.get(i));
                }
                return !full;
              });
    }

    private CompletableFuture<Boolean> skipToEnd(Segment s, Cursor.Entry at, OptionalLong end) {
      long seq = s.id().seq();
      if (end.isPresent()) {
        frontier.put(seq, new Cursor.Entry(s.id(), end.getAsLong()));
        return CompletableFuture.completedFuture(true); // the next step finishes it
      }
      return store
          .scan(EventLayout.eventRange(seq), 1, true)
          .thenApply(
              page -> {
                if (!page.entries().isEmpty()) {
                  long head = EventLayout.counterOfEventKey(page.entries().get(0).key());
                  frontier.put(seq, new Cursor.Entry(s.id(), Math.max(at.counter(), head)));
                }
                queue.poll();
                return true;
              });
    }

    /** Delivers the selected events of one scan and advances the segment's frontier entry. */
    private Scan deliver(Segment s, Chunk page) {
      long seq = s.id().seq();
      for (KeyValue kv : page.entries()) {
        long counter = page.offset() + EventLayout.counterOfEventKey(kv.key());
        scanned++;
        frontier.put(seq, new Cursor.Entry(s.id(), counter));
        if (selection.isAll() || selection.matches(EventLayout.streamOf(kv.value()))) {
          events.add(
              new CursorEvent(
                  EventLayout.decodeRecord(kv.value()),
                  new GlobalPosition(s.id(), counter),
                  cursorPerEvent ? snapshot() : null));
          if (events.size() >= limit) {
            more = true;
            return Scan.FULL;
          }
        }
      }
      if (page.more()) {
        return Scan.MORE;
      }
      OptionalLong end = finals.getOrDefault(seq, OptionalLong.empty());
      if (end.isPresent() && frontier.get(seq).counter() == end.getAsLong()) {
        finishedOne = true; // the next pass sees it finished and takes its successors
      }
      return Scan.DRAINED;
    }

    /**
     * Starts a pass: the segments to read now, in an order that rotates from page to page so one
     * busy segment cannot starve the others. Candidates come from the frontier, not from the whole
     * history, so a pass costs what the frontier holds: unfinished frontier segments; successors of
     * finished ones whose predecessors are all finished; and roots not yet read. (A readable
     * segment is always one of those: its predecessors are finished, so each is on the frontier or
     * covered, and a segment whose predecessors are all covered is itself covered.)
     */
    private void plan() {
      finishedOne = false;
      Map<Long, Segment> next = new TreeMap<>();
      for (Segment root : roots) {
        if (!frontier.containsKey(root.id().seq()) && !covered(root.id())) {
          next.put(root.id().seq(), root);
        }
      }
      for (Cursor.Entry e : frontier.values()) {
        Segment s = view.segmentAt(e.segment().seq()).orElse(null);
        if (s == null || !selection.overlaps(s.id())) {
          continue;
        }
        // A covered entry is finished too: it stays while only some of its successors cover it.
        if (!covered(s.id()) && !isFinished(s.id().seq())) {
          next.put(s.id().seq(), s);
          continue;
        }
        for (SegmentId successor : s.successors()) {
          Segment y = view.segmentAt(successor.seq()).orElse(null);
          if (y != null
              && selection.overlaps(y.id())
              && !frontier.containsKey(y.id().seq())
              && !covered(y.id())
              && predecessorsFinished(y)) {
            next.put(y.id().seq(), y);
          }
        }
      }
      normalize();
      List<Segment> order = new ArrayList<>(next.values());
      if (!order.isEmpty()) {
        long spin = 0;
        for (Cursor.Entry e : frontier.values()) {
          spin += e.counter() + e.segment().seq();
        }
        Collections.rotate(order, Math.floorMod(spin, order.size()));
      }
      queue.clear();
      queue.addAll(order);
    }

    private boolean covered(SegmentId id) {
      for (Cursor.Entry e : frontier.tailMap(id.seq(), false).values()) {
        if (e.segment().overlaps(id)) {
          return true;
        }
      }
      return false;
    }

    private boolean isFinished(long seq) {
      OptionalLong end = finals.getOrDefault(seq, OptionalLong.empty());
      Cursor.Entry at = frontier.get(seq);
      return end.isPresent() && at != null && at.counter() == end.getAsLong();
    }

    /**
     * Whether every predecessor that holds selected streams is read to its end. A predecessor
     * outside the selection holds none of its streams, so order with it does not matter.
     */
    private boolean predecessorsFinished(Segment s) {
      for (SegmentId p : s.predecessors()) {
        Segment pred = view.segmentAt(p.seq()).orElse(null);
        if (pred == null || !selection.overlaps(p) || covered(p)) {
          continue;
        }
        if (!isFinished(p.seq())) {
          return false;
        }
      }
      return true;
    }

    /** Drops frontier entries that later entries cover, and untouched open roots. */
    private void normalize() {
      List<Cursor.Entry> kept =
          Cursor.dropCovered(
              new ArrayList<>(frontier.values()), selection.arcFirst(), selection.arcLast());
      kept.removeIf(this::untouchedRoot);
      if (kept.size() != frontier.size()) {
        frontier.clear();
        for (Cursor.Entry e : kept) {
          frontier.put(e.segment().seq(), e);
        }
      }
    }

    /**
     * An open root with nothing read: absent from the frontier means the same. (A sealed one stays
     * until its successors cover it: planning finds successors through the frontier.)
     */
    private boolean untouchedRoot(Cursor.Entry e) {
      Segment s = view.segmentAt(e.segment().seq()).orElse(null);
      return e.counter() == -1 && s != null && s.isOpen() && s.predecessors().isEmpty();
    }

    private Cursor snapshot() {
      List<Cursor.Entry> entries = new ArrayList<>(frontier.values());
      entries.removeIf(this::untouchedRoot);
      return new Cursor(tag, selection.tag(), entries);
    }

    private void finish() {
      normalize();
      result.complete(new Page(List.copyOf(events), snapshot(), more));
    }
  }
}
