package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.position.SegmentId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compactor's pass over the real placement state machine (Raft's log replaced by direct calls,
 * each command answered after a fixed delay that stands for its commit and apply): long runs go in
 * steps, and the pass pauses between them to stay within its share.
 */
class CompactorTest {

  private static final long BUSY_MILLIS = 40;

  private final PlacementController controller =
      new PlacementController(new PlacementState(new PlacementConfig(1, 1, 10_000, 4)));
  private final List<Long> sentAt = new CopyOnWriteArrayList<>();
  private final List<Long> answeredAt = new CopyOnWriteArrayList<>();
  private long time = 1_000;

  @Test
  void aLongRunIsCompactedInStepsWithPausesThatKeepThePassWithinItsShare() throws Exception {
    SegmentId first = sealedHistory(25);
    Compactor compactor =
        compactor(new Compactor.Options(Duration.ZERO, Duration.ofDays(1), 64, 5, 0.25));

    Compactor.Report report = compactor.runOnce().get(30, TimeUnit.SECONDS);

    // 25 sealed generations: one step of 5 members, then five of the compacted segment and 4 more.
    assertThat(report.compacted()).containsExactly(first);
    assertThat(report.segmentsRetired()).isEqualTo(24);
    assertThat(report.more()).isFalse();
    assertThat(sentAt).hasSize(6);
    assertThat(Compaction.runs(view().segments())).isEmpty();
    assertThat(view().segments().stream().filter(s -> !s.isOpen())).hasSize(1);
    // Each step kept the pass busy at least BUSY_MILLIS, so with a share of 1/4 the next step
    // waited at least three times as long; nothing waits after the last step.
    long minPause = TimeUnit.MILLISECONDS.toNanos(3 * BUSY_MILLIS);
    for (int i = 1; i < sentAt.size(); i++) {
      assertThat(sentAt.get(i) - answeredAt.get(i - 1)).isGreaterThanOrEqualTo(minPause);
    }
    assertThat(report.throttled()).isGreaterThanOrEqualTo(Duration.ofNanos(5 * minPause));
    assertThat(report.took()).isGreaterThan(report.throttled());
    assertThat(compactor.segmentsRetired()).isEqualTo(24);
  }

  @Test
  void aFullShareSendsTheStepsBackToBackAndAPassStopsAtItsCommandLimit() throws Exception {
    sealedHistory(25);
    Compactor compactor =
        compactor(new Compactor.Options(Duration.ZERO, Duration.ofDays(1), 2, 5, 1));

    Compactor.Report report = compactor.runOnce().get(30, TimeUnit.SECONDS);

    assertThat(sentAt).hasSize(2);
    assertThat(report.segmentsRetired()).isEqualTo(8);
    assertThat(report.more()).isTrue();
    assertThat(report.throttled()).isZero();
    assertThat(Compaction.runs(view().segments())).hasSize(1);

    Compactor.Report rest = compactor.runOnce().get(30, TimeUnit.SECONDS);
    assertThat(rest.segmentsRetired()).isEqualTo(8);
    assertThat(compactor.runsCompacted()).isEqualTo(4);
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

  private Compactor compactor(Compactor.Options options) {
    return new Compactor(
        options,
        this::view,
        command -> {
          sentAt.add(System.nanoTime());
          PlacementReply reply = execute(command);
          return CompletableFuture.supplyAsync(
              () -> {
                answeredAt.add(System.nanoTime());
                return reply;
              },
              CompletableFuture.delayedExecutor(BUSY_MILLIS, TimeUnit.MILLISECONDS));
        },
        version -> CompletableFuture.completedFuture(view()),
        translate -> CompletableFuture.completedFuture(0));
  }

  private synchronized PlacementReply execute(PlacementCommand command) {
    return controller.execute(command, time += 10).reply();
  }

  private synchronized PlacementView view() {
    return controller.state().view();
  }
}
