package io.fossil.placement;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * How nodes talk to the placement group. Thread-safe. Commands are linearized through the Raft log;
 * reads are linearizable (they reflect every command acknowledged before they were issued). Futures
 * fail with an exception when the group cannot be reached in time; a refusal is a {@link
 * PlacementReply.Rejected} value.
 */
public interface PlacementClient extends AutoCloseable {

  CompletableFuture<PlacementReply> submit(PlacementCommand command);

  /** The current placement, linearizable. */
  CompletableFuture<PlacementView> view();

  /**
   * Completes with the placement once its version exceeds {@code afterVersion}, or with the current
   * placement after {@code maxWait} (a long poll: routers and owners follow changes this way
   * instead of polling).
   */
  CompletableFuture<PlacementView> awaitChange(long afterVersion, Duration maxWait);

  @Override
  void close();
}
