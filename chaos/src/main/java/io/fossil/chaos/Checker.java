package io.fossil.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Decides from what the workload recorded, what the reads returned after healing and what the store
 * holds whether Fossil kept its promises (DESIGN's invariants, as a client can observe them). Pure:
 * no I/O, so its unit tests feed it hand-made bad histories.
 *
 * <p>Two views of the data are compared: the stream index (per-stream reads, which is where
 * idempotency and expected positions are decided) and the cursor walk (which follows the ownership
 * chain and stops at each seal's final counter). An acknowledged event missing from either is lost:
 * an event that landed in a sealed segment after its final counter is in the index but invisible to
 * every cursor reader.
 */
public final class Checker {

  /** Everything the checker looks at. */
  public record Input(
      List<Op> history,
      List<Seen> finalRead,
      Map<String, List<Seen>> streamReads,
      StoreDump dump,
      Map<String, List<Seen>> tails) {}

  /** Counts of each kind of violation, and the first examples. */
  public record Report(
      long acknowledged,
      long failed,
      long unknown,
      long lost,
      long duplicated,
      long gaps,
      long wrongPositions,
      long phantoms,
      long staleOwnerCommits,
      long cursorViolations,
      long mismatches,
      List<String> examples) {

    /** The sum of every safety count: the run passes only when this is zero. */
    public long violations() {
      return lost
          + duplicated
          + gaps
          + wrongPositions
          + phantoms
          + staleOwnerCommits
          + cursorViolations
          + mismatches;
    }

    /** The counts in one line. */
    public String summary() {
      return String.format(
          "%,d appends acknowledged (%,d failed, %,d unknown), %,d lost, %,d duplicated, %,d gaps,"
              + " %,d wrong positions, %,d phantoms, %,d stale-owner commits, %,d cursor"
              + " violations, %,d index/cursor mismatches",
          acknowledged,
          failed,
          unknown,
          lost,
          duplicated,
          gaps,
          wrongPositions,
          phantoms,
          staleOwnerCommits,
          cursorViolations,
          mismatches);
    }
  }

  private static final int MAX_EXAMPLES = 25;

  private long lost;
  private long duplicated;
  private long gaps;
  private long wrongPositions;
  private long phantoms;
  private long staleOwnerCommits;
  private long cursorViolations;
  private long mismatches;
  private final List<String> examples = new ArrayList<>();

  private Checker() {}

  public static Report check(Input in) {
    return new Checker().run(in);
  }

  private Report run(Input in) {
    Map<String, Map<Long, Seen>> indexed = checkIndex(in.streamReads());
    Map<String, Map<Long, Seen>> walked = checkOrder("final cursor read", in.finalRead());
    compareViews(indexed, walked);
    Map<String, List<Seen>> byId = checkIds(indexed);
    long[] outcomes = checkHistory(in.history(), indexed, walked, byId);
    checkStore(in.dump(), indexed);
    in.tails().forEach((name, seen) -> checkTail(name, seen, indexed));
    return new Report(
        outcomes[0],
        outcomes[1],
        outcomes[2],
        lost,
        duplicated,
        gaps,
        wrongPositions,
        phantoms,
        staleOwnerCommits,
        cursorViolations,
        mismatches,
        List.copyOf(examples));
  }

  private void example(String text) {
    if (examples.size() < MAX_EXAMPLES) {
      examples.add(text);
    }
  }

  /** Per-stream reads through the index: positions 0..n-1, each once. */
  private Map<String, Map<Long, Seen>> checkIndex(Map<String, List<Seen>> reads) {
    Map<String, Map<Long, Seen>> indexed = new TreeMap<>();
    reads.forEach(
        (stream, events) -> {
          Map<Long, Seen> positions = new TreeMap<>();
          for (int i = 0; i < events.size(); i++) {
            Seen e = events.get(i);
            if (e.position() != i) {
              gaps++;
              example(
                  "gap: stream "
                      + stream
                      + " has position "
                      + e.position()
                      + " where "
                      + i
                      + " belongs");
            }
            if (positions.put(e.position(), e) != null) {
              duplicated++;
              example("duplicate: stream " + stream + " reads position " + e.position() + " twice");
            }
          }
          indexed.put(stream, positions);
        });
    return indexed;
  }

  /**
   * A reader that starts at the beginning must see each stream's positions 0, 1, 2, ... in order:
   * no skip, no repeat, no step back.
   */
  private Map<String, Map<Long, Seen>> checkOrder(String reader, List<Seen> events) {
    Map<String, Map<Long, Seen>> seen = new TreeMap<>();
    Map<String, Long> next = new HashMap<>();
    for (Seen e : events) {
      long expected = next.getOrDefault(e.stream(), 0L);
      if (e.position() != expected) {
        cursorViolations++;
        example(
            reader
                + ": stream "
                + e.stream()
                + " at position "
                + e.position()
                + " ("
                + e.where()
                + ") where "
                + expected
                + " was next"
                + (e.position() < expected ? " (repeat or step back)" : " (skip)"));
      }
      next.put(e.stream(), Math.max(expected, e.position() + 1));
      seen.computeIfAbsent(e.stream(), s -> new TreeMap<>()).putIfAbsent(e.position(), e);
    }
    return seen;
  }

  /** The index and the cursor walk must hold the same events at the same global positions. */
  private void compareViews(
      Map<String, Map<Long, Seen>> indexed, Map<String, Map<Long, Seen>> walked) {
    indexed.forEach(
        (stream, positions) ->
            positions.forEach(
                (p, e) -> {
                  Seen w = walked.getOrDefault(stream, Map.of()).get(p);
                  if (!e.equals(w)) {
                    mismatches++;
                    example(
                        "mismatch: stream "
                            + stream
                            + " position "
                            + p
                            + " is "
                            + e.id()
                            + " at "
                            + e.where()
                            + " in the index but "
                            + (w == null ? "absent" : w.id() + " at " + w.where())
                            + " in the cursor read");
                  }
                }));
    walked.forEach(
        (stream, positions) ->
            positions.forEach(
                (p, w) -> {
                  if (!indexed.getOrDefault(stream, Map.of()).containsKey(p)) {
                    mismatches++;
                    example(
                        "mismatch: the cursor read has "
                            + stream
                            + "@"
                            + p
                            + " ("
                            + w.where()
                            + "), the index does not");
                  }
                }));
  }

  /** Every event id at most once. */
  private Map<String, List<Seen>> checkIds(Map<String, Map<Long, Seen>> indexed) {
    Map<String, List<Seen>> byId = new HashMap<>();
    indexed.values().stream()
        .flatMap(m -> m.values().stream())
        .filter(e -> e.id() != null && !e.id().isEmpty())
        .forEach(e -> byId.computeIfAbsent(e.id(), k -> new ArrayList<>()).add(e));
    byId.forEach(
        (id, copies) -> {
          if (copies.size() > 1) {
            duplicated += copies.size() - 1;
            example(
                "duplicate: event id " + id + " is stored " + copies.size() + " times: " + copies);
          }
        });
    return byId;
  }

  /**
   * @return acknowledged, failed and unknown counts
   */
  private long[] checkHistory(
      List<Op> history,
      Map<String, Map<Long, Seen>> indexed,
      Map<String, Map<Long, Seen>> walked,
      Map<String, List<Seen>> byId) {
    long ok = 0;
    long failed = 0;
    long unknown = 0;
    Map<String, Op> invoked = new LinkedHashMap<>();
    for (Op op : history) {
      op.ids().forEach(id -> invoked.put(id, op));
      long present = op.ids().stream().filter(byId::containsKey).count();
      switch (op.outcome()) {
        case OK -> {
          ok++;
          checkAcknowledged(op, indexed, walked);
        }
        case FAIL -> {
          failed++;
          if (present > 0) {
            phantoms++;
            example("phantom: a failed append (" + op.detail() + ") is stored: " + op);
          }
        }
        case UNKNOWN -> {
          unknown++;
          if (present != 0 && present != op.ids().size()) {
            phantoms++;
            example("torn: " + present + " of " + op.ids().size() + " events stored: " + op);
          }
        }
      }
    }
    byId.forEach(
        (id, copies) -> {
          if (!invoked.containsKey(id)) {
            phantoms++;
            example("phantom: event " + id + " was never appended: " + copies);
          }
        });
    return new long[] {ok, failed, unknown};
  }

  private void checkAcknowledged(
      Op op, Map<String, Map<Long, Seen>> indexed, Map<String, Map<Long, Seen>> walked) {
    if (op.expected() != null && op.first() != op.expected() + 1) {
      wrongPositions++;
      example(
          "wrong position: acknowledged with expected position "
              + op.expected()
              + " at "
              + op.first()
              + ": "
              + op);
    }
    if (op.last() - op.first() + 1 != op.ids().size()) {
      wrongPositions++;
      example("wrong position: acknowledged positions do not fit the events: " + op);
    }
    boolean missing = false;
    for (int k = 0; k < op.ids().size(); k++) {
      long position = op.first() + k;
      String id = op.ids().get(k);
      Seen inIndex = indexed.getOrDefault(op.stream(), Map.of()).get(position);
      Seen inWalk = walked.getOrDefault(op.stream(), Map.of()).get(position);
      if (inIndex == null || inWalk == null) {
        missing = true;
        example(
            "lost: "
                + op.stream()
                + "@"
                + position
                + " (event "
                + id
                + ") was acknowledged but is "
                + (inIndex == null ? "not in the stream index" : "invisible to cursor readers")
                + ": "
                + op);
      } else if (!Objects.equals(inIndex.id(), id)) {
        wrongPositions++;
        example(
            "wrong position: "
                + op.stream()
                + "@"
                + position
                + " holds "
                + inIndex.id()
                + ", acknowledged for "
                + id);
      }
    }
    if (missing) {
      lost++;
    }
  }

  /** Nothing after a seal's final counter; counters dense; every stored event indexed. */
  private void checkStore(StoreDump dump, Map<String, Map<Long, Seen>> indexed) {
    for (StoreDump.Segment s : dump.segments().values()) {
      long expected = 0;
      for (Map.Entry<Long, Seen> e : s.events().entrySet()) {
        long counter = e.getKey();
        Seen event = e.getValue();
        if (counter != expected) {
          gaps++;
          example(
              "gap: segment "
                  + s.seq()
                  + " has counter "
                  + counter
                  + " where "
                  + expected
                  + " belongs");
        }
        expected = counter + 1;
        if (s.finalCounter().isPresent() && counter > s.finalCounter().getAsLong()) {
          staleOwnerCommits++;
          example(
              "stale owner: segment "
                  + s.seq()
                  + " was sealed at counter "
                  + s.finalCounter().getAsLong()
                  + " but holds "
                  + event);
        }
        Seen inIndex = indexed.getOrDefault(event.stream(), Map.of()).get(event.position());
        if (!event.equals(inIndex)) {
          mismatches++;
          example("mismatch: stored " + event + " but the index has " + inIndex);
        }
      }
    }
  }

  private void checkTail(String name, List<Seen> seen, Map<String, Map<Long, Seen>> indexed) {
    checkOrder(name, seen);
    for (Seen e : seen) {
      Seen inIndex = indexed.getOrDefault(e.stream(), Map.of()).get(e.position());
      if (!e.equals(inIndex)) {
        cursorViolations++;
        example(name + ": saw " + e + " but the index has " + inIndex);
      }
    }
  }
}
