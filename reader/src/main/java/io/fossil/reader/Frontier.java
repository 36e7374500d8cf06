package io.fossil.reader;

import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Where one page's walk is (ADR 0016): an entry per segment on the frontier (the last counter read
 * there), the final counters learnt so far, and the plan of what to read next. The rules it keeps
 * are listed on {@link CursorReader}. Not shared between threads: one walk owns it.
 */
final class Frontier {
  private final PlacementView view;
  private final int tag;
  private final Selection selection;
  private final List<Segment> roots = new ArrayList<>();
  private final TreeMap<Long, Cursor.Entry> frontier = new TreeMap<>();
  private final Map<Long, OptionalLong> finals = new HashMap<>();

  Frontier(PlacementView view, Cursor from, Selection selection) {
    this.view = view;
    this.tag = from.clusterTag();
    this.selection = selection;
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

  /** The segment's entry, or null if the walk has not been there. */
  Cursor.Entry entry(long seq) {
    return frontier.get(seq);
  }

  /** The segment's entry, put on the frontier at "nothing read" (-1) if it was not there. */
  Cursor.Entry entryOrStart(Segment s) {
    return frontier.computeIfAbsent(s.id().seq(), k -> new Cursor.Entry(s.id(), -1));
  }

  /** The walk has read the segment up to {@code counter}. */
  void advance(SegmentId id, long counter) {
    frontier.put(id.seq(), new Cursor.Entry(id, counter));
  }

  /** Whether the store's seal record was read (or the final counter is known by construction). */
  boolean finalRead(long seq) {
    return finals.containsKey(seq);
  }

  /** The segment's final counter, if the store's seal record gave one. */
  OptionalLong end(long seq) {
    return finals.getOrDefault(seq, OptionalLong.empty());
  }

  /** What the store's seal record says of the segment's end (empty: not sealed in storage yet). */
  void recordFinal(long seq, OptionalLong end) {
    finals.put(seq, end);
  }

  /**
   * Plans a pass: the segments to read now, in an order that rotates from page to page so one busy
   * segment cannot starve the others. Candidates come from the frontier, not from the whole
   * history, so a pass costs what the frontier holds: unfinished frontier segments; successors of
   * finished ones whose predecessors are all finished; and roots not yet read. (A readable segment
   * is always one of those: its predecessors are finished, so each is on the frontier or covered,
   * and a segment whose predecessors are all covered is itself covered.)
   */
  List<Segment> plan() {
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
    return order;
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
   * Whether every predecessor that holds selected streams is read to its end. A predecessor outside
   * the selection holds none of its streams, so order with it does not matter.
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
  void normalize() {
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

  Cursor snapshot() {
    List<Cursor.Entry> entries = new ArrayList<>(frontier.values());
    entries.removeIf(this::untouchedRoot);
    return new Cursor(tag, selection.tag(), entries);
  }
}
