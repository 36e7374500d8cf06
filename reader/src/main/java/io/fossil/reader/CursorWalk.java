package io.fossil.reader;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.storage.EventRecord;
import io.fossil.storage.Keyspace;
import io.fossil.storage.SegmentRecords;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * One page's walk over the segments, from a cursor (see {@link CursorReader}'s rules): reads the
 * segments its {@link Frontier} plans, a few at once, until the page is full, its scan budget is
 * spent or nothing more is readable. Runs one step at a time; not shared between threads.
 */
final class CursorWalk {

  private static final int SCAN_CHUNK = 1_000;

  /** Segments scanned at once within a pass. */
  private static final int PARALLEL_SCANS = 8;

  private final KvStore store;
  private final Selection selection;
  private final int limit;
  private final boolean cursorPerEvent;
  private final boolean skip;
  private final Frontier frontier;
  private final ArrayDeque<Segment> queue = new ArrayDeque<>();
  private final List<CursorReader.CursorEvent> events = new ArrayList<>();
  private final CompletableFuture<CursorReader.Page> result = new CompletableFuture<>();
  private long scanned;
  private boolean finishedOne;
  private boolean more;

  CursorWalk(
      KvStore store,
      PlacementView view,
      Cursor from,
      Selection selection,
      int limit,
      boolean cursorPerEvent,
      boolean skip) {
    this.store = store;
    this.selection = selection;
    this.limit = limit;
    this.cursorPerEvent = cursorPerEvent;
    this.skip = skip;
    this.frontier = new Frontier(view, from, selection);
  }

  CompletableFuture<CursorReader.Page> run() {
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
    if (events.size() >= limit || scanned >= CursorReader.SCAN_BUDGET && !skip) {
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
    if (!s.isOpen() && !frontier.finalRead(seq)) {
      // Read the seal before the events: everything up to a final counter is committed.
      return store
          .get(Keyspace.sealKey(seq))
          .thenApply(
              seal -> {
                frontier.recordFinal(
                    seq,
                    seal.isPresent()
                        ? SegmentRecords.finalCounter(seal.get())
                        : OptionalLong.empty());
                return true;
              });
    }
    Cursor.Entry at = frontier.entryOrStart(s);
    OptionalLong end = frontier.end(seq);
    if (end.isPresent() && at.counter() > end.getAsLong()) {
      throw CursorReader.pastTheEnd(s.id(), at.counter(), end.getAsLong());
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
   * Scans the segment from just after its frontier entry. A compacted segment is scanned one stored
   * part at a time; counters in a chunk are {@code offset} plus the stored ones.
   */
  private CompletableFuture<Chunk> scan(Segment s, int chunk) {
    long seq = s.id().seq();
    long next = frontier.entry(seq).counter() + 1;
    if (s.isCompacted()) {
      Segment.Part part =
          s.parts().stream()
              .filter(p -> p.holds(next))
              .findFirst()
              .orElseThrow(() -> CursorReader.pastTheEnd(s.id(), next, s.finalCounter()));
      long stored = part.id().seq();
      boolean later = part.offset() + part.finalCounter() < s.finalCounter();
      return store
          .scan(
              KeyRange.of(
                  Keyspace.eventKey(stored, next - part.offset()),
                  Keyspace.eventKey(stored, part.finalCounter() + 1)),
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
    OptionalLong end = frontier.end(seq);
    byte[] startKey = Keyspace.eventKey(seq, next);
    KeyRange range =
        end.isPresent()
            ? KeyRange.of(startKey, Keyspace.eventKey(seq, end.getAsLong() + 1))
            : KeyRange.of(startKey, Keyspace.eventRange(seq).end());
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
      OptionalLong end = frontier.end(seq);
      boolean needsSeal = !x.isOpen() && !frontier.finalRead(seq);
      Cursor.Entry at = frontier.entry(seq);
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
      frontier.entryOrStart(x);
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
      frontier.advance(s.id(), end.getAsLong());
      return CompletableFuture.completedFuture(true); // the next step finishes it
    }
    return store
        .scan(Keyspace.eventRange(seq), 1, true)
        .thenApply(
            page -> {
              if (!page.entries().isEmpty()) {
                long head = Keyspace.counterOfEventKey(page.entries().get(0).key());
                frontier.advance(s.id(), Math.max(at.counter(), head));
              }
              queue.poll();
              return true;
            });
  }

  /** Delivers the selected events of one scan and advances the segment's frontier entry. */
  private Scan deliver(Segment s, Chunk page) {
    long seq = s.id().seq();
    for (KeyValue kv : page.entries()) {
      long counter = page.offset() + Keyspace.counterOfEventKey(kv.key());
      scanned++;
      frontier.advance(s.id(), counter);
      if (selection.isAll() || selection.matches(EventRecord.streamOf(kv.value()))) {
        events.add(
            new CursorReader.CursorEvent(
                EventRecord.decode(kv.value()),
                new GlobalPosition(s.id(), counter),
                cursorPerEvent ? frontier.snapshot() : null));
        if (events.size() >= limit) {
          more = true;
          return Scan.FULL;
        }
      }
    }
    if (page.more()) {
      return Scan.MORE;
    }
    OptionalLong end = frontier.end(seq);
    if (end.isPresent() && frontier.entry(seq).counter() == end.getAsLong()) {
      finishedOne = true; // the next pass sees it finished and takes its successors
    }
    return Scan.DRAINED;
  }

  /** Starts a pass: the segments to read now, as the frontier plans them. */
  private void plan() {
    finishedOne = false;
    queue.clear();
    queue.addAll(frontier.plan());
  }

  private void finish() {
    frontier.normalize();
    result.complete(new CursorReader.Page(List.copyOf(events), frontier.snapshot(), more));
  }
}
