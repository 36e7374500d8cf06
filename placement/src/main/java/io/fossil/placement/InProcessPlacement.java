package io.fossil.placement;

import java.time.Duration;
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
  private final ViewWaiters views;

  public InProcessPlacement(PlacementConfig config, LongSupplier clockMillis) {
    this.controller = new PlacementController(new PlacementState(config));
    this.clock = clockMillis;
    this.views = new ViewWaiters(controller.state().view());
  }

  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    PlacementReply reply;
    PlacementView view;
    synchronized (this) {
      reply = controller.execute(command, clock.getAsLong()).reply();
      view = controller.state().view();
    }
    views.publish(view); // an older view published late is ignored
    return CompletableFuture.completedFuture(reply);
  }

  @Override
  public synchronized CompletableFuture<PlacementView> view() {
    return CompletableFuture.completedFuture(controller.state().view());
  }

  @Override
  public CompletableFuture<PlacementView> awaitChange(long afterVersion, Duration maxWait) {
    return views.await(afterVersion, maxWait);
  }

  @Override
  public void close() {}
}
