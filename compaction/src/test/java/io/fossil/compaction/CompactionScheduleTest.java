package io.fossil.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The schedule on a manual clock: when passes start, and on which node. Nothing waits. */
class CompactionScheduleTest {

  private static final Duration EVERY = Duration.ofMinutes(5);
  private static final Compactor.Report NOTHING =
      new Compactor.Report(List.of(), 0, List.of(), 0, false, Duration.ZERO, Duration.ZERO);

  private final ManualTimer timer = new ManualTimer();
  private final AtomicBoolean leads = new AtomicBoolean(true);
  private final List<Long> passesAt = new CopyOnWriteArrayList<>();

  private CompactionSchedule schedule(Duration interval, CompletableFuture<Compactor.Report> pass) {
    return new CompactionSchedule(
        "n1",
        interval,
        leads::get,
        () -> {
          passesAt.add(timer.nanoTime());
          return pass;
        },
        timer);
  }

  @Test
  void theLeaderRunsAPassEveryIntervalAndOtherNodesNone() {
    long t0 = timer.nanoTime();
    CompactionSchedule schedule = schedule(EVERY, CompletableFuture.completedFuture(NOTHING));
    schedule.start();

    timer.advance(EVERY.minusNanos(1));
    assertThat(passesAt).isEmpty();
    timer.advance(Duration.ofNanos(1));
    assertThat(passesAt).containsExactly(t0 + EVERY.toNanos());

    leads.set(false);
    timer.advance(EVERY);
    assertThat(passesAt).hasSize(1);

    leads.set(true);
    timer.advance(EVERY);
    assertThat(passesAt).containsExactly(t0 + EVERY.toNanos(), t0 + 3 * EVERY.toNanos());

    schedule.close();
    timer.advance(EVERY.multipliedBy(10));
    assertThat(passesAt).hasSize(2);
    schedule.close(); // idempotent
  }

  @Test
  void theNextTickComesOneIntervalAfterThePassStartedWhetherOrNotItEndedOrFailed() {
    long t0 = timer.nanoTime();
    CompactionSchedule slow = schedule(EVERY, new CompletableFuture<>()); // never ends
    slow.start();
    timer.advance(EVERY.multipliedBy(2));
    assertThat(passesAt).containsExactly(t0 + EVERY.toNanos(), t0 + 2 * EVERY.toNanos());
    slow.close();

    passesAt.clear();
    long t1 = timer.nanoTime();
    CompactionSchedule failing =
        schedule(EVERY, CompletableFuture.failedFuture(new CompactionRunningException()));
    failing.start();
    timer.advance(EVERY.multipliedBy(2));
    assertThat(passesAt).containsExactly(t1 + EVERY.toNanos(), t1 + 2 * EVERY.toNanos());
    failing.close();
  }

  @Test
  void aZeroIntervalSchedulesNothing() {
    schedule(Duration.ZERO, CompletableFuture.completedFuture(NOTHING)).start();
    assertThat(timer.pending()).isZero();
  }
}
