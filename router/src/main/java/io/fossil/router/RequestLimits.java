package io.fossil.router;

import io.fossil.security.Principal;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The caps of {@link HttpSecurity.Limits} and {@link HttpApi.Options#maxConsumerWaits()}: request
 * rates (429 {@code rate-limited} with {@code Retry-After}, checked after {@link Authentication}:
 * per principal, and per remote address for callers without one, that is open routes and refused
 * credentials), open connections per node (a connection over the cap gets one 503 {@code
 * too-many-connections} and is closed), live tails per node and per principal (429 {@code
 * too-many-live-tails}; a tail holds its slot from {@link #openTail} until its release runs), and
 * consumer waits per node (429 {@code too-many-waits}, with or without security). Node principals
 * ({@code node:*}) are not rate-limited: a node forwards other callers' requests, whose own rate
 * the first node already checked. Thread-safe: connections and requests arrive on every event loop.
 */
final class RequestLimits implements Handler<RoutingContext> {

  private static final int TAIL_RETRY_SECONDS = 5;
  private static final int WAIT_RETRY_SECONDS = 1;

  private final HttpSecurity.Limits limits;
  private final int maxConsumerWaits;
  private final AtomicInteger waits = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final Set<HttpConnection> overCap = ConcurrentHashMap.newKeySet();
  private final AtomicInteger tails = new AtomicInteger();
  private final Map<Principal, AtomicInteger> tailsByPrincipal = new ConcurrentHashMap<>();

  /**
   * @param limits the caps of the API's security ({@link HttpSecurity.Limits#NONE} without)
   * @param maxConsumerWaits consumer waits open at once on this node (0: no cap)
   */
  RequestLimits(HttpSecurity.Limits limits, int maxConsumerWaits) {
    this.limits = limits;
    this.maxConsumerWaits = maxConsumerWaits;
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

  /**
   * The request rate check: a principal over its rate is refused with a 429; a request without one
   * (an open route) counts against its remote address.
   */
  @Override
  public void handle(RoutingContext ctx) {
    Principal principal = Authentication.principal(ctx);
    if (principal == null) {
      admitAnonymous(ctx);
    } else if (limits.rate() != null
        && principal.kind() != Principal.Kind.NODE
        && !Authentication.forwarded(ctx)) {
      refuseAfter(limits.rate().admit(principal), principal + " sends requests");
    }
    ctx.next();
  }

  /**
   * Counts a request that has no principal (an open route, or credentials about to be refused)
   * against its remote address.
   *
   * @throws Problem 429 {@code rate-limited} when the address is over its rate
   */
  void admitAnonymous(RoutingContext ctx) {
    if (limits.rate() == null) {
      return;
    }
    InetAddress remote = remoteAddress(ctx);
    if (remote != null) {
      refuseAfter(
          limits.rate().admit(remote),
          "unauthenticated requests from " + remote.getHostAddress() + " arrive");
    }
  }

  private static void refuseAfter(Duration wait, String what) {
    if (wait.compareTo(Duration.ZERO) > 0) {
      long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
      throw new Problem(
              ProblemType.RATE_LIMITED,
              what + " faster than the rate allows; retry in " + seconds + " s")
          .retryAfter((int) Math.min(Integer.MAX_VALUE, seconds));
    }
  }

  /** The peer's IP address (a literal, so no lookup); null when it has none (a Unix socket). */
  private static InetAddress remoteAddress(RoutingContext ctx) {
    SocketAddress address = ctx.request().remoteAddress();
    String host = address == null ? null : address.hostAddress();
    if (host == null || host.isEmpty()) {
      return null;
    }
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * Takes one of the node's consumer wait slots and returns its release, which may run more than
   * once.
   *
   * @throws Problem 429 {@code too-many-waits} when the node has no slot left
   */
  Runnable openWait() {
    int open = waits.incrementAndGet();
    if (maxConsumerWaits > 0 && open > maxConsumerWaits) {
      waits.decrementAndGet();
      throw new Problem(
              ProblemType.TOO_MANY_WAITS,
              "this node serves " + maxConsumerWaits + " consumer waits at once, its limit")
          .with("limit", maxConsumerWaits)
          .retryAfter(WAIT_RETRY_SECONDS);
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        waits.decrementAndGet();
      }
    };
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
