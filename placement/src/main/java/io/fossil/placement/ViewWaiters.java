package io.fossil.placement;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The latest placement view a process knows, and the long polls waiting for a newer one. Views are
 * published in version order (an older one is ignored); a waiter completes with the first view
 * above its version, or with the latest one when its wait runs out. Thread-safe; futures complete
 * outside the lock.
 */
public final class ViewWaiters {

  private record Waiter(long afterVersion, CompletableFuture<PlacementView> future) {}

  private final List<Waiter> waiters = new ArrayList<>();
  private volatile PlacementView latest;

  public ViewWaiters(PlacementView initial) {
    this.latest = initial;
  }

  /** The latest view published (null only if constructed with none and nothing published yet). */
  public PlacementView latest() {
    return latest;
  }

  /** Makes {@code next} the latest view unless it is older; completes the waiters it satisfies. */
  public void publish(PlacementView next) {
    List<Waiter> ready = new ArrayList<>();
    synchronized (this) {
      if (latest != null && next.version() < latest.version()) {
        return;
      }
      latest = next;
      waiters.removeIf(
          w -> {
            if (w.future.isDone() || next.version() > w.afterVersion) {
              ready.add(w);
              return true;
            }
            return false;
          });
    }
    ready.forEach(w -> w.future.complete(next));
  }

  /**
   * Completes with a view whose version is above {@code afterVersion}, or with the latest view
   * after {@code maxWait}.
   */
  public CompletableFuture<PlacementView> await(long afterVersion, Duration maxWait) {
    CompletableFuture<PlacementView> future = new CompletableFuture<>();
    synchronized (this) {
      if (latest != null && latest.version() > afterVersion) {
        return CompletableFuture.completedFuture(latest);
      }
      waiters.add(new Waiter(afterVersion, future));
    }
    CompletableFuture.delayedExecutor(maxWait.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> future.complete(latest));
    return future;
  }

  /** Completes every waiter with the latest view (on shutdown). */
  public void completeAll() {
    List<Waiter> all;
    synchronized (this) {
      all = new ArrayList<>(waiters);
      waiters.clear();
    }
    all.forEach(w -> w.future.complete(latest));
  }
}
