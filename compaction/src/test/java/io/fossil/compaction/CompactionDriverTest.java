package io.fossil.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementController;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementState;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.SegmentHistory;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The driver end to end without Raft or HTTP: a pass on request and on the schedule compacts the
 * history of the real placement state machine, rewrites a stored cursor and counts what it did in
 * the meters {@code /metrics} shows.
 */
class CompactionDriverTest {

  private final PlacementController controller =
      new PlacementController(new PlacementState(new PlacementConfig(1, 1, 10_000, 4)));
  private final KvStore store = KvStores.open("mem:");
  private final ConsumerCursors cursors = new ConsumerCursors(store);
  private final ManualTimer timer = new ManualTimer();
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicBoolean leads = new AtomicBoolean(true);
  private long time = 1_000;

  @AfterEach
  void tearDown() {
    cursors.close();
    store.close();
  }

  @Test
  void aPassOnRequestCompactsRewritesStoredCursorsAndCountsInTheMeters() throws Exception {
    List<SegmentId> generations = sealedHistory(3);
    Cursor stored =
        new Cursor(Cursor.clusterTag("c"), List.of(new Cursor.Entry(generations.get(1), 4)));
    cursors.put("view", stored).get(10, TimeUnit.SECONDS);
    CompactionDriver driver = driver(Duration.ZERO);
    assertThat(gauge("fossil.compaction.runs.pending")).isEqualTo(1);

    Compactor.Report report = driver.runNow().get(10, TimeUnit.SECONDS);

    assertThat(report.compacted()).containsExactly(generations.get(0));
    assertThat(report.segmentsRetired()).isEqualTo(2);
    assertThat(report.cursorsRewritten()).isEqualTo(1);
    assertThat(cursors.get("view").get(10, TimeUnit.SECONDS))
        .contains(SegmentHistory.of(view()).translate(stored));
    assertThat(counter("fossil.compaction.runs")).isEqualTo(1);
    assertThat(counter("fossil.compaction.segments.retired")).isEqualTo(2);
    assertThat(counter("fossil.compaction.cursors.rewritten")).isEqualTo(1);
    assertThat(gauge("fossil.compaction.runs.pending")).isZero();
    driver.close();
  }

  @Test
  void theScheduleRunsPassesOnlyWhileThisNodeLeads() {
    sealedHistory(2);
    CompactionDriver driver = driver(Duration.ofMinutes(5));
    driver.start();

    leads.set(false);
    timer.advance(Duration.ofMinutes(5));
    assertThat(counter("fossil.compaction.runs")).isZero();

    leads.set(true);
    timer.advance(Duration.ofMinutes(5));
    assertThat(counter("fossil.compaction.runs")).isEqualTo(1);
    driver.close();
  }

  private CompactionDriver driver(Duration interval) {
    return new CompactionDriver(
        "n1",
        new Compactor.Options(interval, Duration.ofDays(1), 64, 100, 1),
        new CompactionDriver.Placement() {
          @Override
          public PlacementView view() {
            return CompactionDriverTest.this.view();
          }

          @Override
          public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
            return CompletableFuture.completedFuture(execute(command));
          }

          @Override
          public CompletableFuture<PlacementView> awaitVersion(long version) {
            return CompletableFuture.completedFuture(view());
          }

          @Override
          public boolean leads() {
            return leads.get();
          }
        },
        cursors,
        timer,
        registry);
  }

  private double counter(String name) {
    return registry.get(name).functionCounter().count();
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  /** One node, one ring segment, moved {@code generations} times; gives the sealed generations. */
  private List<SegmentId> sealedHistory(int generations) {
    execute(new PlacementCommand.ReserveSequences("c", 1, 10_000));
    execute(new PlacementCommand.Register("n1", 1, "http://n1", "n1:1"));
    execute(new PlacementCommand.Tick());
    List<SegmentId> sealed = new ArrayList<>();
    for (int g = 0; g < generations; g++) {
      SegmentId open =
          view().segments().stream().filter(Segment::isOpen).findFirst().orElseThrow().id();
      assertThat(execute(new PlacementCommand.Move(open, "n1")))
          .isInstanceOf(PlacementReply.Changed.class);
      assertThat(execute(new PlacementCommand.ReportSeal(open, 9)))
          .isInstanceOf(PlacementReply.Ok.class);
      sealed.add(open);
    }
    return sealed;
  }

  private synchronized PlacementReply execute(PlacementCommand command) {
    return controller.execute(command, time += 10).reply();
  }

  private synchronized PlacementView view() {
    return controller.state().view();
  }
}
