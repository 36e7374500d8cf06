package io.fossil.reader;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.AppendRequest;
import io.fossil.owner.AppendResult;
import io.fossil.owner.ProposedEvent;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.Compaction;
import io.fossil.placement.HashRing;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementController;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementState;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.SegmentHistory;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.Positions;
import io.fossil.position.Positions.Order;
import io.fossil.position.SegmentId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Cursor walks against the real placement core, real appenders and the real reader on {@code mem:},
 * under random interleavings of appends, moves, splits, merges, owner restarts and late seals, with
 * readers that page with random sizes and resume from their last token. Checks, for every reader:
 * each committed event of its selection seen exactly once, each stream in position order, nothing
 * seen that was not committed, and position comparisons that agree with what the reader saw.
 */
class CursorWalkPropertiesTest {

  private static final String[] STREAMS = {
    "a-1", "a-2", "a-3", "a-4", "b-1", "b-2", "b-10", "c-1", "c-2", "d", "d-1", "e-9"
  };

  @Property(tries = 200)
  void everyReaderSeesEveryCommittedEventOnceInStreamOrder(@ForAll long seed) {
    Random random = new Random(seed);
    try (World world = new World(random)) {
      List<Walker> walkers =
          List.of(
              new Walker(Selection.all()),
              new Walker(new Selection("a", null, 0, 1)),
              new Walker(new Selection(null, "b-1", 0, 1)),
              new Walker(new Selection(null, null, 1, 2)),
              new Walker(new Selection(null, "d", 0, 1)));
      int steps = 50 + random.nextInt(250);
      for (int i = 0; i < steps; i++) {
        int pick = random.nextInt(100);
        if (pick < 40) {
          world.append(STREAMS[random.nextInt(STREAMS.length)], 1 + random.nextInt(3));
        } else if (pick < 47) {
          world.move();
        } else if (pick < 53) {
          world.split();
        } else if (pick < 58) {
          world.merge();
        } else if (pick < 61) {
          world.restartNode();
        } else if (pick < 68) {
          world.startPending(); // successors take over late: until then old owners still write
        } else if (pick < 74) {
          world.compact();
        } else {
          walkers.get(random.nextInt(walkers.size())).page(world, 1 + random.nextInt(12));
        }
      }
      world.startPending();
      world.compact();
      SegmentHistory history = world.view().history();
      Statistics.label("segments retired by compaction")
          .collect(Math.min(history.retiredCount(), 3) + (history.retiredCount() > 2 ? "+" : ""));
      Statistics.label("segments retired by compaction")
          .coverage(c -> c.check("0").percentage(p -> p < 60));
      Map<String, List<GlobalPosition>> committed = world.committed();
      for (Walker w : walkers) {
        w.drain(world);
        w.check(committed, world.acked, history);
        w.resumeOldCursor(world, random, history);
      }
    }
  }

  /** Placement core, appenders per open segment, the store; one thread drives all of it. */
  static final class World implements AutoCloseable {
    final Random random;
    final KvStore store = KvStores.open("mem:");
    final PlacementController controller =
        new PlacementController(new PlacementState(new PlacementConfig(4, 3, 60_000, 1)));
    final Map<Long, SegmentAppender> appenders = new LinkedHashMap<>();
    final Map<String, Long> incarnations = new HashMap<>();
    final Map<String, List<Long>> acked = new HashMap<>();
    final CursorReader reader = new CursorReader(store);
    final List<PlacementView> pastViews = new ArrayList<>();
    long time = 1_000;

    World(Random random) {
      this.random = random;
      submit(new PlacementCommand.ReserveSequences("cluster-p", 1, 1_000_000));
      for (String n : List.of("n0", "n1", "n2")) {
        incarnations.put(n, 1L);
        submit(new PlacementCommand.Register(n, 1, "http://" + n, n + ":1"));
      }
      submit(new PlacementCommand.Tick());
      startPending();
      assertThat(appenders).hasSize(4);
    }

    void submit(PlacementCommand c) {
      time += 10;
      controller.execute(c, time);
    }

    PlacementView view() {
      return controller.state().view();
    }

    List<Segment> open() {
      return controller.state().openSegments();
    }

    /**
     * Compacts a run, planned either on the current view or on an older one (a compactor that
     * crashed, or lost its leadership, after planning): a stale plan must be refused whole, or be
     * still valid and applied whole.
     */
    void compact() {
      pastViews.add(view());
      PlacementView planned =
          random.nextInt(3) == 0 ? pastViews.get(random.nextInt(pastViews.size())) : view();
      List<List<SegmentId>> runs = Compaction.runs(planned.segments());
      if (runs.isEmpty()) {
        return;
      }
      List<SegmentId> run = runs.get(random.nextInt(runs.size()));
      int from = random.nextInt(run.size() - 1);
      run = run.subList(from, from + 2 + random.nextInt(run.size() - from - 1));
      long before = view().version();
      time += 10;
      PlacementController.Result r =
          controller.execute(new PlacementCommand.Compact(run, 3_600_000), time);
      if (r.reply() instanceof PlacementReply.Rejected) {
        assertThat(view().version() - before).isLessThanOrEqualTo(1); // the clock alone
      } else {
        assertThat(view().segment(run.get(0)).orElseThrow().isCompacted()).isTrue();
      }
    }

    /** Starts an appender for each open segment that has none, as a node does on a new view. */
    void startPending() {
      for (Segment s : open()) {
        if (appenders.containsKey(s.id().seq())) {
          continue;
        }
        List<SegmentId> ancestors = unsealedAncestors(s);
        SegmentAppender a =
            new SegmentAppender(
                store,
                s.id(),
                s.epoch(),
                s.ownerIncarnation(),
                ancestors,
                Long.MAX_VALUE,
                SegmentAppender.Config.DEFAULT,
                Clock.systemUTC(),
                () -> 0L);
        appenders.put(s.id().seq(), a);
        Map<SegmentId, Long> finals = a.start().join();
        finals.forEach((id, c) -> submit(new PlacementCommand.ReportSeal(id, c)));
      }
      // Appenders of segments sealed in placement stop; storage has fenced them by now.
      appenders.entrySet().removeIf(e -> closeIfSealed(e.getKey(), e.getValue()));
    }

    private boolean closeIfSealed(long seq, SegmentAppender a) {
      Segment s =
          controller.state().segments().stream()
              .filter(x -> x.id().seq() == seq)
              .findFirst()
              .orElseThrow();
      if (s.isOpen()) {
        return false;
      }
      a.close();
      return true;
    }

    /** Every sealed ancestor whose final counter placement does not know yet, oldest first. */
    private List<SegmentId> unsealedAncestors(Segment s) {
      PlacementView view = view();
      Set<SegmentId> out = new java.util.TreeSet<>();
      ArrayDeque<SegmentId> todo = new ArrayDeque<>(s.predecessors());
      while (!todo.isEmpty()) {
        Segment p = view.segmentAt(todo.poll().seq()).orElseThrow();
        if (!p.finalKnown() && out.add(p.id())) {
          todo.addAll(p.predecessors());
        }
      }
      return new ArrayList<>(out);
    }

    /**
     * Appends through the newest running appender whose range holds the stream: the successor's if
     * it started, else the old owner's, which keeps writing until storage fences it.
     */
    void append(String stream, int n) {
      long point = HashRing.point(stream);
      SegmentAppender target = null;
      for (SegmentAppender a : appenders.values()) {
        if (a.segment().contains(point)
            && (target == null || a.segment().seq() > target.segment().seq())) {
          target = a;
        }
      }
      if (target == null) {
        return;
      }
      List<ProposedEvent> events = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        events.add(new ProposedEvent(null, "T", "{}".getBytes(StandardCharsets.UTF_8), null));
      }
      AppendResult r = target.append(new AppendRequest(stream, AppendRequest.ANY, events)).join();
      if (r instanceof AppendResult.Appended a) {
        for (long p = a.firstPosition(); p <= a.lastPosition(); p++) {
          acked.computeIfAbsent(stream, k -> new ArrayList<>()).add(p);
        }
      }
    }

    void move() {
      List<Segment> open = open();
      Segment s = open.get(random.nextInt(open.size()));
      submit(new PlacementCommand.Move(s.id(), "n" + random.nextInt(3)));
      maybeStart();
    }

    void split() {
      List<Segment> open = open();
      Segment s = open.get(random.nextInt(open.size()));
      long at;
      if (random.nextBoolean()) {
        // Inside a category's arc, so one category spans both halves.
        at = HashRing.point(STREAMS[random.nextInt(STREAMS.length)]);
      } else {
        at = s.id().first() + Math.floorMod(random.nextLong(), Math.max(2, s.id().width() >>> 1));
      }
      submit(new PlacementCommand.Split(s.id(), at)); // a point outside is refused: fine
      maybeStart();
    }

    void merge() {
      List<Segment> open = open();
      for (int i = 0; i + 1 < open.size(); i++) {
        if (random.nextBoolean()) {
          submit(new PlacementCommand.Merge(open.get(i).id(), open.get(i + 1).id()));
          break;
        }
      }
      maybeStart();
    }

    /** A node restarts: its appenders die unsealed; its new incarnation gets successors. */
    void restartNode() {
      String node = "n" + random.nextInt(3);
      for (Segment s : open()) {
        if (s.owner().equals(node)) {
          SegmentAppender a = appenders.remove(s.id().seq());
          if (a != null) {
            a.close();
          }
        }
      }
      long inc = incarnations.merge(node, 1L, Long::sum);
      submit(new PlacementCommand.Register(node, inc, "http://" + node, node + ":1"));
      submit(new PlacementCommand.Tick());
      maybeStart();
    }

    private void maybeStart() {
      if (random.nextBoolean()) {
        startPending();
      }
    }

    /** What the stream index says is committed: per stream, each position's segment and counter. */
    Map<String, List<GlobalPosition>> committed() {
      SegmentHistory history = view().history();
      Map<String, List<GlobalPosition>> out = new HashMap<>();
      StreamReader streams = new StreamReader(store);
      for (String stream : STREAMS) {
        List<GlobalPosition> positions = new ArrayList<>();
        long from = 0;
        while (true) {
          var page = streams.read(stream, from, 1_000, true).join();
          for (var e : page.events()) {
            assertThat(e.event().position()).isEqualTo(positions.size());
            positions.add(history.stored(e.segmentSeq(), e.counter()).orElseThrow());
          }
          if (page.events().isEmpty()) {
            break;
          }
          from += page.events().size();
        }
        out.put(stream, positions);
      }
      return out;
    }

    @Override
    public void close() {
      appenders.values().forEach(SegmentAppender::close);
      store.close();
    }
  }

  /**
   * A reader that resumes from its last token every page, and remembers what it saw when; at the
   * end, a copy of it resumes from an old token ({@link #resumeOldCursor}).
   */
  static final class Walker {
    final Selection selection;
    String token;
    final List<CursorReader.CursorEvent> seen = new ArrayList<>();

    /** The token after each page, and how many events had been seen by then. */
    final List<String> tokens = new ArrayList<>();

    final List<Integer> seenAt = new ArrayList<>();

    Walker(Selection selection) {
      this.selection = selection;
    }

    boolean page(World world, int limit) {
      PlacementView view = world.view();
      Cursor from =
          token == null ? Cursor.start(CursorReader.clusterTag(view)) : Cursor.decode(token);
      CursorReader.validate(view, from, selection);
      CursorReader.Page page = world.reader.read(view, from, selection, limit, true).join();
      Cursor previous = view.history().translate(from); // a compaction may have passed
      for (CursorReader.CursorEvent e : page.events()) {
        // Each event's own cursor is between the one before it and the page's.
        assertThat(Positions.compare(previous, e.after())).isIn(Order.BEFORE, Order.EQUAL);
        assertThat(Positions.compare(e.position(), e.after())).isEqualTo(Order.EQUAL);
        previous = e.after();
      }
      assertThat(Positions.compare(previous, page.cursor())).isIn(Order.BEFORE, Order.EQUAL);
      seen.addAll(page.events());
      token = page.cursor().encode();
      tokens.add(token);
      seenAt.add(seen.size());
      return !page.events().isEmpty() || page.more();
    }

    void drain(World world) {
      int rounds = 0;
      while (page(world, 1 + rounds % 50)) {
        assertThat(++rounds).as("drain terminates").isLessThan(10_000);
      }
    }

    /**
     * A client that kept a token from any earlier page (perhaps from before compactions) resumes
     * from it now: it must get exactly what this walker saw after that page, each once.
     */
    void resumeOldCursor(World world, Random random, SegmentHistory history) {
      if (tokens.isEmpty()) {
        return;
      }
      int k = random.nextInt(tokens.size());
      Cursor from = Cursor.decode(tokens.get(k));
      PlacementView view = world.view();
      CursorReader.validate(view, from, selection);
      List<GlobalPosition> again = new ArrayList<>();
      for (int rounds = 0; ; rounds++) {
        assertThat(rounds).as("resumed drain terminates").isLessThan(10_000);
        CursorReader.Page page = world.reader.read(view, from, selection, 37, false).join();
        page.events().forEach(e -> again.add(e.position()));
        from = page.cursor();
        if (page.events().isEmpty() && !page.more()) {
          break;
        }
      }
      List<GlobalPosition> expected = new ArrayList<>();
      for (CursorReader.CursorEvent e : seen.subList(seenAt.get(k), seen.size())) {
        expected.add(history.translate(e.position()));
      }
      assertThat(new HashSet<>(again)).as("no event twice").hasSize(again.size());
      assertThat(again)
          .as("resumed from page %s of %s", k, selection)
          .containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * Checks what was seen; positions and cursors from before a compaction are translated into
     * {@code history}'s segments first, as a node does with what clients send.
     */
    void check(
        Map<String, List<GlobalPosition>> committed,
        Map<String, List<Long>> acked,
        SegmentHistory history) {
      Map<String, List<Long>> byStream = new HashMap<>();
      Set<GlobalPosition> positions = new HashSet<>();
      for (CursorReader.CursorEvent e : seen) {
        String stream = e.event().stream();
        GlobalPosition at = history.translate(e.position());
        assertThat(selection.matches(stream)).as("%s selected by %s", stream, selection).isTrue();
        assertThat(positions.add(at)).as("seen twice: %s", at).isTrue();
        List<GlobalPosition> index = committed.get(stream);
        assertThat(e.event().position()).as("never committed").isLessThan(index.size());
        assertThat(index.get((int) e.event().position()))
            .as("%s@%s is where the index says", stream, e.event().position())
            .isEqualTo(at);
        byStream.computeIfAbsent(stream, k -> new ArrayList<>()).add(e.event().position());
      }
      for (String stream : STREAMS) {
        if (!selection.matches(stream)) {
          continue;
        }
        List<Long> expected = new ArrayList<>();
        for (long p = 0; p < committed.get(stream).size(); p++) {
          expected.add(p);
        }
        assertThat(byStream.getOrDefault(stream, List.of()))
            .as("every committed event of %s once, in order, for %s", stream, selection)
            .isEqualTo(expected);
        assertThat(expected).containsAll(acked.getOrDefault(stream, List.of()));
      }
      // Comparisons agree with what was seen: an event is behind a page's cursor iff it was seen
      // by then, and cursors only move forwards.
      Random sample = new Random(seen.size());
      for (int k = 0; k < tokens.size(); k++) {
        Cursor c = history.translate(Cursor.decode(tokens.get(k)));
        if (k > 0) {
          assertThat(Positions.compare(history.translate(Cursor.decode(tokens.get(k - 1))), c))
              .isIn(Order.BEFORE, Order.EQUAL);
        }
        for (int probe = 0; probe < 8 && !seen.isEmpty(); probe++) {
          int i = sample.nextInt(seen.size());
          Order o = Positions.compare(history.translate(seen.get(i).position()), c);
          if (i < seenAt.get(k)) {
            assertThat(o).as("seen by page %s", k).isIn(Order.BEFORE, Order.EQUAL);
          } else {
            assertThat(o).as("not yet seen by page %s", k).isEqualTo(Order.AFTER);
          }
        }
      }
    }
  }
}
