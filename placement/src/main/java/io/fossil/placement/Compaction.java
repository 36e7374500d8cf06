package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Which sealed segments can be compacted together (ADR 0021). A <em>run</em> is a chain of at least
 * two sealed segments of the same range whose final counters are known, each the only successor of
 * the one before and that one its only predecessor: a move, a lease expiry or a restart leaves such
 * a chain behind. Splits and merges end runs, because counters of two branches have no single
 * order; each branch is compacted on its own. Stateless.
 */
public final class Compaction {

  private Compaction() {}

  /** The maximal runs among {@code segments}, oldest first. */
  public static List<List<SegmentId>> runs(Collection<Segment> segments) {
    Map<Long, Segment> bySeq = new HashMap<>();
    for (Segment s : segments) {
      bySeq.put(s.id().seq(), s);
    }
    List<List<SegmentId>> out = new ArrayList<>();
    for (Segment s : segments) {
      if (!compactable(s) || linked(predecessorOf(s, bySeq), s)) {
        continue; // not a run's first member
      }
      List<SegmentId> run = new ArrayList<>(List.of(s.id()));
      Segment at = s;
      Segment next;
      while ((next = successorOf(at, bySeq)) != null && linked(at, next)) {
        run.add(next.id());
        at = next;
      }
      if (run.size() >= 2) {
        out.add(List.copyOf(run));
      }
    }
    out.sort((a, b) -> Long.compare(a.get(0).seq(), b.get(0).seq()));
    return out;
  }

  /** Why {@code run} cannot be compacted in a state whose segments {@code lookup} finds by seq. */
  public static Optional<String> refusal(List<SegmentId> run, LongFunction<Segment> lookup) {
    if (run.size() < 2) {
      return Optional.of("a run needs at least two segments, got " + run.size());
    }
    Segment before = null;
    for (SegmentId id : run) {
      Segment s = lookup.apply(id.seq());
      if (s == null || !s.id().equals(id)) {
        return Optional.of("no segment " + id + " (already compacted?)");
      }
      if (!compactable(s)) {
        return Optional.of(
            "segment " + id + " is " + (s.isOpen() ? "open" : "sealed but its end is not known"));
      }
      if (before != null && !linked(before, s)) {
        return Optional.of(
            before.id()
                + " and "
                + id
                + " are not one linear run (same range, each the other's only successor and"
                + " predecessor)");
      }
      before = s;
    }
    return Optional.empty();
  }

  private static boolean compactable(Segment s) {
    return s != null && !s.isOpen() && s.finalKnown();
  }

  private static boolean linked(Segment before, Segment after) {
    return compactable(before)
        && compactable(after)
        && before.successors().equals(List.of(after.id()))
        && after.predecessors().equals(List.of(before.id()))
        && before.id().first() == after.id().first()
        && before.id().last() == after.id().last();
  }

  private static Segment predecessorOf(Segment s, Map<Long, Segment> bySeq) {
    return s.predecessors().size() == 1 ? bySeq.get(s.predecessors().get(0).seq()) : null;
  }

  private static Segment successorOf(Segment s, Map<Long, Segment> bySeq) {
    return s.successors().size() == 1 ? bySeq.get(s.successors().get(0).seq()) : null;
  }
}
