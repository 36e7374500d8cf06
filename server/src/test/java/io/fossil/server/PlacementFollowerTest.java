package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.PlacementView;
import io.fossil.placement.ViewWaiters;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The long poll that brings views, against a scripted placement group. */
class PlacementFollowerTest {

  private final ScriptedPlacement placement = new ScriptedPlacement();
  private final ViewWaiters views = new ViewWaiters(view(1));
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final PlacementFollower follower =
      new PlacementFollower(
          new PlacementFollower.Config(
              Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(10)),
          placement,
          views,
          views::publish,
          (what, error) -> failures.add(what + ": " + error),
          timer,
          closing::get);

  @AfterEach
  void stop() {
    closing.set(true);
    timer.shutdownNow();
  }

  @Test
  void appliesEveryNewViewAndAsksForTheNextOne() {
    CompletableFuture<PlacementView> third = new CompletableFuture<>();
    placement.poll =
        after -> after == 1 ? completed(view(2)) : after == 2 ? third : new CompletableFuture<>();
    follower.start();

    assertThat(views.latest().version()).isEqualTo(2);
    assertThat(placement.polls).containsExactly(1L, 2L);
    third.complete(view(3));
    assertThat(views.latest().version()).isEqualTo(3);
    assertThat(placement.polls).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aFailedPollIsReportedAndSentAgainAfterAPause() {
    CompletableFuture<PlacementView> later = new CompletableFuture<>();
    placement.poll =
        after ->
            switch (placement.polls.size()) {
              case 1 -> CompletableFuture.failedFuture(new IOException("no leader"));
              case 2 -> later;
              default -> new CompletableFuture<>();
            };
    follower.start();

    assertThat(failures)
        .containsExactly(
            "its placement long poll (view version 1): java.io.IOException: no leader");
    await().atMost(Duration.ofSeconds(10)).until(() -> placement.polls.size() == 2);
    later.complete(view(2));
    assertThat(views.latest().version()).isEqualTo(2);
  }

  @Test
  void aPollThatNeverAnswersIsAbandonedAndSentAgain() {
    PlacementFollower impatient =
        new PlacementFollower(
            new PlacementFollower.Config(
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(10)),
            placement,
            views,
            views::publish,
            (what, error) -> failures.add(what + ": " + error),
            timer,
            closing::get);
    placement.poll = after -> new CompletableFuture<>();
    impatient.start();

    await().atMost(Duration.ofSeconds(10)).until(() -> placement.polls.size() >= 2);
    assertThat(failures.get(0))
        .isEqualTo(
            "its placement long poll (view version 1): java.util.concurrent.TimeoutException");
  }

  @Test
  void aViewThatCannotBeAppliedDoesNotStopTheFollowing() {
    CompletableFuture<PlacementView> later = new CompletableFuture<>();
    placement.poll = after -> placement.polls.size() == 1 ? completed(view(2)) : later;
    PlacementFollower failing =
        new PlacementFollower(
            PlacementFollower.Config.DEFAULT,
            placement,
            views,
            v -> {
              throw new IllegalStateException("broken view");
            },
            (what, error) -> failures.add(what),
            timer,
            closing::get);
    failing.start();

    assertThat(placement.polls).containsExactly(1L, 1L);
    assertThat(failures).isEmpty();
  }

  @Test
  void noPollStartsOnceTheNodeCloses() {
    CompletableFuture<PlacementView> pending = new CompletableFuture<>();
    placement.poll = after -> pending;
    follower.start();
    closing.set(true);
    pending.complete(view(2));

    assertThat(placement.polls).containsExactly(1L);
  }

  private static CompletableFuture<PlacementView> completed(PlacementView v) {
    return CompletableFuture.completedFuture(v);
  }

  private static PlacementView view(long version) {
    return new PlacementView(version, 0, "c", List.of(), List.of(), 10_000, 0, 0);
  }
}
