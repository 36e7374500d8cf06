package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ViewWaitersTest {

  static PlacementView view(long version) {
    return new PlacementView(version, 0, "c", List.of(), List.of(), 1000, 1, 100);
  }

  @Test
  void aWaiterCompletesWithTheFirstNewerViewAndOlderViewsAreIgnored() {
    ViewWaiters views = new ViewWaiters(view(3));
    assertThat(views.await(2, Duration.ofMinutes(1))).isCompletedWithValue(view(3));

    CompletableFuture<PlacementView> waiting = views.await(3, Duration.ofMinutes(1));
    views.publish(view(3));
    assertThat(waiting).isNotDone();
    views.publish(view(5));
    assertThat(waiting).isCompletedWithValue(view(5));
    views.publish(view(4));
    assertThat(views.latest().version()).isEqualTo(5);
  }

  @Test
  void aWaiterWhoseWaitRunsOutGetsTheLatestView() {
    ViewWaiters views = new ViewWaiters(view(1));
    assertThat(
            views
                .await(1, Duration.ofMillis(10))
                .orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                .join())
        .isEqualTo(view(1));
  }

  @Test
  void completeAllReleasesEveryWaiter() {
    ViewWaiters views = new ViewWaiters(view(1));
    CompletableFuture<PlacementView> waiting = views.await(1, Duration.ofMinutes(1));
    views.completeAll();
    assertThat(waiting).isCompletedWithValue(view(1));
  }
}
