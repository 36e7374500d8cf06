package io.fossil.router;

import io.fossil.security.Principal;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The caps of {@link HttpSecurity.Limits} (with security only): per-principal request rates (429
 * {@code rate-limited} with {@code Retry-After}, checked after {@link Authentication}), open
 * connections per node (a connection over the cap gets one 503 {@code too-many-connections} and is
 * closed), and live tails per node and per principal (429 {@code too-many-live-tails}; a tail holds
 * its slot from {@link #openTail} until its release runs). Thread-safe: connections and requests
 * arrive on every event loop.
 */
final class RequestLimits implements Handler<RoutingContext> {

  private static final int TAIL_RETRY_SECONDS = 5;

  private final HttpSecurity.Limits limits;
  private final AtomicInteger connections = new AtomicInteger();
  private final Set<HttpConnection> overCap = ConcurrentHashMap.newKeySet();
  private final AtomicInteger tails = new AtomicInteger();
  private final Map<Principal, AtomicInteger> tailsByPrincipal = new ConcurrentHashMap<>();

  RequestLimits(HttpSecurity.Limits limits) {
    this.limits = limits;
  }

  /** Counts a new connection; one over the cap is marked, to be answered 503 and closed. */
  void connected(HttpConnection connection) {
    int open = connections.incrementAndGet();
    if (limits.maxConnections() > 0 && open > limits.maxConnections()) {
      overCap.add(connection);
    }
    connection.closeHandler(
        v -> {
          connections.decrementAndGet();
          overCap.remove(connection);
        });
  }

  /** Answers a request on a connection over the cap with a 503, then closes the connection. */
  Handler<RoutingContext> connectionCap() {
    return ctx -> {
      HttpConnection connection = ctx.request().connection();
      if (!overCap.contains(connection)) {
        ctx.next();
        return;
      }
      ctx.response().endHandler(v -> connection.close());
      Responses.problem(
          ctx,
          new Problem(
                  ProblemType.TOO_MANY_CONNECTIONS,
                  "this node has " + limits.maxConnections() + " connections open, its limit")
              .retryAfter(1));
    };
  }

  /** The request rate check: a principal over its rate is refused with a 429. */
  @Override
  public void handle(RoutingContext ctx) {
    Principal principal = Authentication.principal(ctx);
    if (principal != null && limits.rate() != null) {
      Duration wait = limits.rate().admit(principal);
      if (wait.compareTo(Duration.ZERO) > 0) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        throw new Problem(
                ProblemType.RATE_LIMITED,
                principal + " sends requests faster than its rate; retry in " + seconds + " s")
            .retryAfter((int) Math.min(Integer.MAX_VALUE, seconds));
      }
    }
    ctx.next();
  }

  /**
   * Takes a live tail slot for {@code principal} (null: none on an insecure API, only the node's
   * cap counts) and returns its release, which may run more than once.
   *
   * @throws Problem 429 {@code too-many-live-tails} when the node or the principal has no slot left
   */
  Runnable openTail(Principal principal) {
    int node = tails.incrementAndGet();
    if (limits.maxLiveTails() > 0 && node > limits.maxLiveTails()) {
      tails.decrementAndGet();
      throw new Problem(
              ProblemType.TOO_MANY_LIVE_TAILS,
              "this node serves " + limits.maxLiveTails() + " live tails, its limit")
          .retryAfter(TAIL_RETRY_SECONDS);
    }
    AtomicInteger mine =
        principal == null
            ? new AtomicInteger(1)
            : tailsByPrincipal.compute(
                principal,
                (p, n) -> {
                  AtomicInteger c = n == null ? new AtomicInteger() : n;
                  c.incrementAndGet();
                  return c;
                });
    if (principal != null
        && limits.maxLiveTailsPerPrincipal() > 0
        && mine.get() > limits.maxLiveTailsPerPrincipal()) {
      release(principal);
      throw new Problem(
              ProblemType.TOO_MANY_LIVE_TAILS,
              principal
                  + " has "
                  + limits.maxLiveTailsPerPrincipal()
                  + " live tails open on this node, its limit")
          .retryAfter(TAIL_RETRY_SECONDS);
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        release(principal);
      }
    };
  }

  private void release(Principal principal) {
    tails.decrementAndGet();
    if (principal != null) {
      tailsByPrincipal.computeIfPresent(principal, (p, n) -> n.decrementAndGet() <= 0 ? null : n);
    }
  }
}
