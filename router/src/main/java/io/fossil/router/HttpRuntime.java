package io.fossil.router;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * The event loops and worker threads that every HTTP API of one process shares (one Vert.x
 * instance), so that the modules wiring a node need not import Vert.x themselves: only {@code
 * router} does (README, dependency rules). Create one per process, hand it to each {@link HttpApi},
 * close it last. Thread-safe; {@link #close} is idempotent.
 */
public final class HttpRuntime implements AutoCloseable {

  private final Vertx vertx;

  private HttpRuntime(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts the event loops (Vert.x' defaults: two per core). */
  public static HttpRuntime create() {
    return new HttpRuntime(Vertx.vertx());
  }

  Vertx vertx() {
    return vertx;
  }

  /**
   * Closes the event loops, waiting at most 10 s; a failure to close is not worth failing a
   * shutdown, so it is swallowed.
   */
  @Override
  public void close() {
    vertx
        .close()
        .toCompletionStage()
        .toCompletableFuture()
        .orTimeout(10, TimeUnit.SECONDS)
        .exceptionally(e -> null)
        .join();
  }
}
