package io.fossil.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.placement.Compaction;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementController;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementState;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.SegmentId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The compactor's pass over the real placement state machine (Raft's log replaced by direct calls,
 * each command answered after a fixed delay on a manual clock that stands for its commit and
 * apply): long runs go in steps, and the pass pauses between them, for exactly the time that keeps
 * it within its share. Nothing here waits for real time.
 */
class CompactorTest {

  private static final Duration BUSY = Duration.ofMillis(40);

  private final PlacementController controller =
      new PlacementController(new PlacementState(new PlacementConfig(1, 1, 10_000, 4)));
  private final List<Long> sentAt = new CopyOnWriteArrayList<>();
  private final List<Long> answeredAt = new CopyOnWriteArrayList<>();
  private final ManualTimer timer = new ManualTimer();
  private long time = 1_000;

  @Test
  void aLongRunIsCompactedInStepsWithPausesThatKeepThePassWithinItsShare() throws Exception {
    SegmentId first = sealedHistory(25);
    Compactor compactor =
        compactor(new Compactor.Options(Duration.ZERO, Duration.ofDays(1), 64, 5, 0.25));

    Compactor.Report report = drive(compactor.runOnce());

    // 25 sealed generations: one step of 5 members, then five of the compacted segment and 4 more.
    assertThat(report.compacted()).containsExactly(first);
    assertThat(report.segmentsRetired()).isEqualTo(24);
    assertThat(report.more()).isFalse();
    assertThat(sentAt).hasSize(6);
    assertThat(Compaction.runs(view().segments())).isEmpty();
    assertThat(view().segments().stream().filter(s -> !s.isOpen())).hasSize(1);
    // Each step kept the pass busy BUSY, so with a share of 1/4 the next step waited three times
    // as long; nothing waits after the last step.
    long minPause = 3 * BUSY.toNanos();
    for (int i = 1; i < sentAt.size(); i++) {
      assertThat(sentAt.get(i) - answeredAt.get(i - 1)).isGreaterThanOrEqualTo(minPause);
      assertThat(sentAt.get(i) - answeredAt.get(i - 1)).isEqualTo(minPause);
      assertThat(answeredAt.get(i) - sentAt.get(i)).isEqualTo(BUSY.toNanos());
    }
    assertThat(report.throttled()).isGreaterThanOrEqualTo(Duration.ofNanos(5 * minPause));
    assertThat(report.throttled()).isEqualTo(Duration.ofMillis(5 * 120));
    assertThat(report.took()).isGreaterThan(report.throttled());
    assertThat(report.took()).isEqualTo(Duration.ofMillis(6 * 40 + 5 * 120));
    assertThat(timer.pending()).isZero();
    assertThat(compactor.segmentsRetired()).isEqualTo(24);
  }

  @Test
  void aFullShareSendsTheStepsBackToBackAndAPassStopsAtItsCommandLimit() throws Exception {
    sealedHistory(25);
    Compactor compactor =
        compactor(new Compactor.Options(Duration.ZERO, Duration.ofDays(1), 2, 5, 1));

    Compactor.Report report = drive(compactor.runOnce());

    assertThat(sentAt).hasSize(2);
    assertThat(sentAt.get(1)).isEqualTo(answeredAt.get(0));
    assertThat(report.took()).isEqualTo(BUSY.multipliedBy(2));
    assertThat(report.segmentsRetired()).isEqualTo(8);
    assertThat(report.more()).isTrue();
    assertThat(report.throttled()).isZero();
    assertThat(Compaction.runs(view().segments())).hasSize(1);

    Compactor.Report rest = drive(compactor.runOnce());
    assertThat(rest.segmentsRetired()).isEqualTo(8);
    assertThat(compactor.runsCompacted()).isEqualTo(4);
  }

  @Test
  void aPassAskedForWhileOneRunsIsRefusedAsRunningAndTheNextOneRuns() throws Exception {
    sealedHistory(3);
    Compactor compactor =
        compactor(new Compactor.Options(Duration.ZERO, Duration.ofDays(1), 64, 5, 1));

    CompletableFuture<Compactor.Report> first = compactor.runOnce();
    assertThatThrownBy(() -> compactor.runOnce().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(CompactionRunningException.class)
        .hasRootCauseMessage("a compaction pass is already running on this node");
    assertThat(drive(first).segmentsRetired()).isEqualTo(2);
    assertThat(drive(compactor.runOnce()).segmentsRetired()).isZero();
  }

  @Test
  void aPassWhosePlanningThrowsFailsAndDoesNotBlockTheNextPass() throws Exception {
    sealedHistory(3);
    AtomicBoolean broken = new AtomicBoolean(true);
    Compactor compactor =
        compactor(
            new Compactor.Options(Duration.ZERO, Duration.ofDays(1), 64, 5, 1),
            () -> {
              if (broken.get()) {
                throw new IllegalStateException("no view yet");
              }
              return view();
            });

    assertThatThrownBy(() -> compactor.runOnce().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("no view yet");
    broken.set(false);
    assertThat(drive(compactor.runOnce()).segmentsRetired()).isEqualTo(2);
  }

  @Test
  void theShareMustBeAFractionOfTheTime() {
    for (double share : new double[] {0, -0.5, 1.01, Double.NaN}) {
      assertThatThrownBy(() -> new Compactor.Options(Duration.ZERO, Duration.ZERO, 1, 2, share))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("share");
    }
    assertThat(Compactor.Options.DEFAULTS.pauseAfter(Duration.ofMillis(10)))
        .isEqualTo(Duration.ofMillis(90));
  }

  /** One node, one ring segment, moved {@code generations} times; gives the first generation. */
  private SegmentId sealedHistory(int generations) {
    execute(new PlacementCommand.ReserveSequences("c", 1, 10_000));
    execute(new PlacementCommand.Register("n1", 1, "http://n1", "n1:1"));
    execute(new PlacementCommand.Tick());
    SegmentId first = view().segments().get(0).id();
    for (int g = 0; g < generations; g++) {
      SegmentId open =
          view().segments().stream().filter(Segment::isOpen).findFirst().orElseThrow().id();
      assertThat(execute(new PlacementCommand.Move(open, "n1")))
          .isInstanceOf(PlacementReply.Changed.class);
      assertThat(execute(new PlacementCommand.ReportSeal(open, 9)))
          .isInstanceOf(PlacementReply.Ok.class);
    }
    assertThat(Compaction.runs(view().segments())).hasSize(1);
    return first;
  }

  /** Runs the timer's tasks until the pass is done: the clock moves only by what they wait. */
  private Compactor.Report drive(CompletableFuture<Compactor.Report> pass) throws Exception {
    while (!pass.isDone()) {
      assertThat(timer.runNext()).as("a task to run while the pass is not done").isTrue();
    }
    return pass.get();
  }

  private Compactor compactor(Compactor.Options options) {
    return compactor(options, this::view);
  }

  private Compactor compactor(Compactor.Options options, Supplier<PlacementView> views) {
    return new Compactor(
        options,
        views,
        command -> {
          sentAt.add(timer.nanoTime());
          PlacementReply reply = execute(command);
          CompletableFuture<PlacementReply> answer = new CompletableFuture<>();
          timer.schedule(
              BUSY,
              () -> {
                answeredAt.add(timer.nanoTime());
                answer.complete(reply);
              });
          return answer;
        },
        version -> CompletableFuture.completedFuture(view()),
        translate -> CompletableFuture.completedFuture(0),
        timer);
  }

  private synchronized PlacementReply execute(PlacementCommand command) {
    return controller.execute(command, time += 10).reply();
  }

  private synchronized PlacementView view() {
    return controller.state().view();
  }
}
