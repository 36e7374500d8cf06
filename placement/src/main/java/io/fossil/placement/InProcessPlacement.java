package io.fossil.placement;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The placement core behind a {@link PlacementClient}, in this process, without Raft: commands run
 * on the real {@link PlacementController} at the time {@code clock} gives. For single-process tests
 * and simulations that want the real placement logic with time under their control. Thread-safe
 * (one lock); every future completes before the call returns, except long polls.
 */
public final class InProcessPlacement implements PlacementClient {

  private final PlacementController controller;
  private final LongSupplier clock;
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(long afterVersion, CompletableFuture<PlacementView> future) {}

  public InProcessPlacement(PlacementConfig config, LongSupplier clockMillis) {
    this.controller = new PlacementController(new PlacementState(config));
    this.clock = clockMillis;
  }

  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    List<Waiter> ready = new ArrayList<>();
    PlacementReply reply;
    PlacementView view;
    synchronized (this) {
      reply = controller.execute(command, clock.getAsLong()).reply();
      view = controller.state().view();
      waiters.removeIf(
          w -> {
            if (w.future.isDone() || view.version() > w.afterVersion) {
              ready.add(w);
              return true;
            }
            return false;
          });
    }
    ready.forEach(w -> w.future.complete(view));
    return CompletableFuture.completedFuture(reply);
  }

  @Override
  public synchronized CompletableFuture<PlacementView> view() {
    return CompletableFuture.completedFuture(controller.state().view());
  }

  @Override
  public CompletableFuture<PlacementView> awaitChange(long afterVersion, Duration maxWait) {
    CompletableFuture<PlacementView> future = new CompletableFuture<>();
    synchronized (this) {
      PlacementView now = controller.state().view();
      if (now.version() > afterVersion) {
        return CompletableFuture.completedFuture(now);
      }
      waiters.add(new Waiter(afterVersion, future));
    }
    CompletableFuture.delayedExecutor(
            maxWait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .execute(() -> view().thenAccept(future::complete));
    return future;
  }

  @Override
  public void close() {}
}
