package io.fossil.server;

import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.router.NodeServices;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A node's HTTP listeners: one that serves every route, or, with a second listener for operators,
 * the public routes on one and {@code /admin/*} and {@code /metrics} on the other (so a network
 * policy can keep the second inside the cluster). Started once, by the node's start-up; stopped by
 * its close.
 */
final class HttpListeners {

  private final HttpApi api;
  private final HttpApi admin;
  private volatile int port;
  private volatile int adminPort;

  /**
   * @param adminOptions the second listener's options; null: none, {@code options} serves all
   */
  HttpListeners(
      HttpRuntime runtime,
      NodeServices node,
      HttpApi.Options options,
      HttpApi.Options adminOptions) {
    if (adminOptions == null) {
      this.api = new HttpApi(runtime, node, options);
      this.admin = null;
    } else {
      this.api = new HttpApi(runtime, node, options, HttpApi.Listener.PUBLIC);
      this.admin =
          new HttpApi(runtime, node, adminOptions.withForward(false), HttpApi.Listener.ADMIN);
    }
  }

  /** Binds the admin listener, if any, then the main one; completes with the main one's port. */
  CompletableFuture<Integer> start() {
    CompletableFuture<Integer> first =
        admin == null ? CompletableFuture.completedFuture(0) : admin.start();
    return first.thenCompose(
        a -> {
          adminPort = a;
          return api.start().thenApply(p -> port = p);
        });
  }

  int port() {
    return port;
  }

  /** 0 without a second listener. */
  int adminPort() {
    return adminPort;
  }

  /** Stops both listeners, each waiting at most {@code timeout}. */
  void stop(Duration timeout) {
    for (HttpApi listener : new HttpApi[] {api, admin}) {
      if (listener != null) {
        listener
            .stop()
            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .exceptionally(e -> null)
            .join();
      }
    }
  }
}
