package io.fossil.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The checker on hand-made histories: a clean one passes, and each kind of violation is caught. */
class CheckerTest {

  /**
   * A consistent world to spoil: two streams, one segment (seq 5) sealed at counter 3 and its
   * successor (seq 6) open. "a" holds a0 a1 (acknowledged together), "b" holds b0 then b1.
   */
  private final List<Op> history = new ArrayList<>();

  private final List<Seen> stored = new ArrayList<>();
  private final SortedMap<Long, OptionalLong> seals = new TreeMap<>();

  CheckerTest() {
    commit(ok(0, "a", List.of("a0", "a1"), -1L, 0), 5, 0);
    commit(ok(1, "b", List.of("b0"), null, 0), 5, 2);
    commit(ok(1, "b", List.of("b1"), 0L, 1), 6, 0);
    seals.put(5L, OptionalLong.of(2));
    seals.put(6L, OptionalLong.empty());
  }

  private static Op ok(int worker, String stream, List<String> ids, Long expected, long first) {
    return new Op(
        worker, stream, ids, expected, 0, 1, Op.Outcome.OK, first, first + ids.size() - 1, "201");
  }

  private static Op op(Op.Outcome outcome, String stream, String... ids) {
    return new Op(9, stream, List.of(ids), null, 0, 1, outcome, -1, -1, "test");
  }

  private void commit(Op op, long seq, long counter) {
    history.add(op);
    for (int k = 0; k < op.ids().size(); k++) {
      stored.add(new Seen(op.stream(), op.first() + k, op.ids().get(k), seq, counter + k));
    }
  }

  /** Builds the input: the index and the cursor walk from {@code stored}, unless told otherwise. */
  private Checker.Input input(List<Seen> walk, Map<String, List<Seen>> tails) {
    Map<String, List<Seen>> index = new TreeMap<>();
    for (Seen s : stored) {
      index.computeIfAbsent(s.stream(), k -> new ArrayList<>()).add(s);
    }
    index.values().forEach(l -> l.sort(java.util.Comparator.comparingLong(Seen::position)));
    SortedMap<Long, StoreDump.Segment> segments = new TreeMap<>();
    seals.forEach(
        (seq, fin) -> {
          SortedMap<Long, Seen> events = new TreeMap<>();
          stored.stream().filter(s -> s.seq() == seq).forEach(s -> events.put(s.counter(), s));
          segments.put(seq, new StoreDump.Segment(seq, events, fin.isPresent(), fin));
        });
    return new Checker.Input(history, walk, index, new StoreDump(segments), tails);
  }

  private Checker.Input input() {
    return input(new ArrayList<>(stored), Map.of("tail", new ArrayList<>(stored)));
  }

  @Test
  void aConsistentHistoryPasses() {
    history.add(op(Op.Outcome.FAIL, "a", "never"));
    history.add(op(Op.Outcome.UNKNOWN, "b", "maybe0", "maybe1"));
    Checker.Report report = Checker.check(input());
    assertThat(report.examples()).isEmpty();
    assertThat(report.violations()).isZero();
    assertThat(report.acknowledged()).isEqualTo(3);
    assertThat(report.failed()).isEqualTo(1);
    assertThat(report.unknown()).isEqualTo(1);
  }

  @Test
  void anUnknownAppendMayBeStoredOnce() {
    history.add(op(Op.Outcome.UNKNOWN, "b", "u0"));
    stored.add(new Seen("b", 2, "u0", 6, 1));
    assertThat(Checker.check(input()).violations()).isZero();
  }

  @Test
  void anAcknowledgedEventMissingEverywhereIsLost() {
    stored.removeIf(s -> s.id().equals("b1"));
    Checker.Report report = Checker.check(input());
    assertThat(report.lost()).isEqualTo(1);
  }

  @Test
  void anAcknowledgedEventInvisibleToCursorsIsLost() {
    List<Seen> walk = new ArrayList<>(stored);
    walk.removeIf(s -> s.id().equals("b1"));
    Checker.Report report = Checker.check(input(walk, Map.of()));
    assertThat(report.lost()).isEqualTo(1);
    assertThat(report.mismatches()).isEqualTo(1);
  }

  @Test
  void anEventIdStoredTwiceIsADuplicate() {
    stored.add(new Seen("b", 2, "b1", 6, 1));
    Checker.Report report = Checker.check(input());
    assertThat(report.duplicated()).isEqualTo(1);
  }

  @Test
  void aHoleInAStreamIsAGap() {
    stored.removeIf(s -> s.id().equals("a0"));
    history.remove(0);
    Checker.Report report = Checker.check(input());
    assertThat(report.gaps()).isPositive();
  }

  @Test
  void anAcknowledgementAtTheWrongPositionIsCaught() {
    history.set(2, ok(1, "b", List.of("b1"), 5L, 1));
    Checker.Report report = Checker.check(input());
    assertThat(report.wrongPositions()).isEqualTo(1);
  }

  @Test
  void aFailedAppendThatWasStoredIsAPhantom() {
    Op failed = op(Op.Outcome.FAIL, "b", "f0");
    history.add(failed);
    stored.add(new Seen("b", 2, "f0", 6, 1));
    assertThat(Checker.check(input()).phantoms()).isEqualTo(1);
  }

  @Test
  void anUnknownAppendStoredInPartIsTorn() {
    history.add(op(Op.Outcome.UNKNOWN, "b", "t0", "t1"));
    stored.add(new Seen("b", 2, "t0", 6, 1));
    assertThat(Checker.check(input()).phantoms()).isEqualTo(1);
  }

  @Test
  void anEventNobodyAppendedIsAPhantom() {
    stored.add(new Seen("b", 2, "ghost", 6, 1));
    assertThat(Checker.check(input()).phantoms()).isEqualTo(1);
  }

  @Test
  void aCommitAfterTheSealIsAStaleOwnerCommit() {
    // The old owner of segment 5 wrote "b" position 2 at counter 3, after the seal at 2.
    history.add(ok(3, "b", List.of("z0"), 1L, 2));
    stored.add(new Seen("b", 2, "z0", 5, 3));
    List<Seen> walk = new ArrayList<>(stored);
    walk.removeIf(s -> s.id().equals("z0")); // cursor readers stop at the final counter
    Checker.Report report = Checker.check(input(walk, Map.of()));
    assertThat(report.staleOwnerCommits()).isEqualTo(1);
    assertThat(report.lost()).isEqualTo(1);
  }

  @Test
  void aHoleInASegmentsCountersIsAGap() {
    stored.replaceAll(s -> s.id().equals("b1") ? new Seen("b", 1, "b1", 6, 4) : s);
    Checker.Report report = Checker.check(input());
    assertThat(report.gaps()).isEqualTo(1);
  }

  @Test
  void aReaderThatSkipsRepeatsOrStepsBackIsCaught() {
    List<Seen> skipped = new ArrayList<>(stored);
    skipped.removeIf(s -> s.id().equals("a0"));
    List<Seen> repeated = new ArrayList<>(stored);
    repeated.add(stored.get(0));
    List<Seen> backwards = new ArrayList<>(stored);
    java.util.Collections.swap(backwards, 2, 3); // b1 before b0
    Map<String, List<Seen>> tails = new LinkedHashMap<>();
    tails.put("skip", skipped);
    tails.put("repeat", repeated);
    tails.put("back", backwards);
    Checker.Report report = Checker.check(input(new ArrayList<>(stored), tails));
    assertThat(report.cursorViolations()).isGreaterThanOrEqualTo(3);
    assertThat(report.examples())
        .anyMatch(e -> e.startsWith("skip:"))
        .anyMatch(e -> e.startsWith("repeat:"))
        .anyMatch(e -> e.startsWith("back:"));
  }

  @Test
  void aReaderThatSeesSomethingTheIndexDoesNotHoldIsCaught() {
    List<Seen> tail = new ArrayList<>(stored);
    tail.set(0, new Seen("a", 0, "other", 5, 0));
    Checker.Report report = Checker.check(input(new ArrayList<>(stored), Map.of("t", tail)));
    assertThat(report.cursorViolations()).isEqualTo(1);
  }
}
