package io.fossil.router;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP API one node serves (Vert.x): the server, its limits, and the table of routes, each
 * handled by one resource class — appends ({@code AppendsApi}), stream reads ({@code StreamsApi}),
 * cursor reads and live tails ({@code EventsApi}), position comparison ({@code PositionsApi}),
 * consumers ({@code ConsumersApi}), the cluster view, health and metrics ({@code ClusterApi}) and
 * admin ({@code AdminApi}, and the placement voters in {@code VotersApi}). Every error is {@code
 * application/problem+json} with a stable {@link ProblemType} (ADR 0015). Construct on any thread;
 * {@link #start} and {@link #stop} return futures; handlers run on Vert.x event loops.
 */
public final class HttpApi {

  private static final int REQUEST_LINE_LIMIT = 8 << 10;

  /**
   * @param host the address to bind (redirects name the address each node registered with
   *     placement, not this one)
   * @param forward forward appends to the owner instead of answering 307 (for clients that cannot
   *     reach every node)
   * @param catchUpWait how long a node waits for a newer placement before answering 503
   * @param security TLS, authentication, permissions and limits; null: none, the API as it always
   *     was (plain HTTP, every request allowed, except a cross-site form post)
   * @param maxConsumerWaits {@code GET /consumers/{name}/wait} long polls open at once on this node
   *     (0: no cap; default {@value #DEFAULT_MAX_CONSUMER_WAITS}); one more is a 429 {@code
   *     too-many-waits} with {@code Retry-After}. With and without security
   */
  public record Options(
      String host,
      int port,
      boolean forward,
      int maxBodyBytes,
      int maxJsonDepth,
      int maxHeaderBytes,
      Duration idleTimeout,
      Duration catchUpWait,
      int maxHops,
      HttpSecurity security,
      int maxConsumerWaits) {

    /** The default cap on consumer waits per node. */
    public static final int DEFAULT_MAX_CONSUMER_WAITS = 1000;

    public Options {
      if (maxConsumerWaits < 0) {
        throw new IllegalArgumentException(
            "maxConsumerWaits is 0 (no cap) or positive, was " + maxConsumerWaits);
      }
    }

    /** Options with the default cap on consumer waits. */
    public Options(
        String host,
        int port,
        boolean forward,
        int maxBodyBytes,
        int maxJsonDepth,
        int maxHeaderBytes,
        Duration idleTimeout,
        Duration catchUpWait,
        int maxHops,
        HttpSecurity security) {
      this(
          host,
          port,
          forward,
          maxBodyBytes,
          maxJsonDepth,
          maxHeaderBytes,
          idleTimeout,
          catchUpWait,
          maxHops,
          security,
          DEFAULT_MAX_CONSUMER_WAITS);
    }

    /** Options without security, with the default cap on consumer waits. */
    public Options(
        String host,
        int port,
        boolean forward,
        int maxBodyBytes,
        int maxJsonDepth,
        int maxHeaderBytes,
        Duration idleTimeout,
        Duration catchUpWait,
        int maxHops) {
      this(
          host,
          port,
          forward,
          maxBodyBytes,
          maxJsonDepth,
          maxHeaderBytes,
          idleTimeout,
          catchUpWait,
          maxHops,
          null);
    }

    public static Options defaults(String host, int port) {
      return new Options(
          host,
          port,
          false,
          4 << 20,
          32,
          16 << 10,
          Duration.ofSeconds(60),
          Duration.ofSeconds(2),
          3);
    }

    public Options withForward(boolean forward) {
      return new Options(
          host,
          port,
          forward,
          maxBodyBytes,
          maxJsonDepth,
          maxHeaderBytes,
          idleTimeout,
          catchUpWait,
          maxHops,
          security,
          maxConsumerWaits);
    }

    public Options withSecurity(HttpSecurity security) {
      return new Options(
          host,
          port,
          forward,
          maxBodyBytes,
          maxJsonDepth,
          maxHeaderBytes,
          idleTimeout,
          catchUpWait,
          maxHops,
          security,
          maxConsumerWaits);
    }

    /** These options with another cap on consumer waits (0: none). */
    public Options withMaxConsumerWaits(int maxConsumerWaits) {
      return new Options(
          host,
          port,
          forward,
          maxBodyBytes,
          maxJsonDepth,
          maxHeaderBytes,
          idleTimeout,
          catchUpWait,
          maxHops,
          security,
          maxConsumerWaits);
    }

    /** These options on another address (a second listener). */
    public Options withAddress(String host, int port) {
      return new Options(
          host,
          port,
          forward,
          maxBodyBytes,
          maxJsonDepth,
          maxHeaderBytes,
          idleTimeout,
          catchUpWait,
          maxHops,
          security,
          maxConsumerWaits);
    }

    /** The scheme of this API's addresses: https with TLS. */
    String scheme() {
      return security != null && security.tls() != null ? "https" : "http";
    }
  }

  /**
   * Which routes a listener serves. A node serves them all on one port, or, with a second listener
   * for operators (so a network policy can keep it inside the cluster), the public routes on one
   * and {@code /admin/*} and {@code /metrics} on the other. {@code /cluster} and health are on
   * both.
   */
  public enum Listener {
    /** Every route. */
    ALL,
    /** Every route but {@code /admin/*} and {@code /metrics}. */
    PUBLIC,
    /** {@code /admin/*}, {@code /metrics}, {@code /cluster} and health. */
    ADMIN
  }

  private final Vertx vertx;
  private final Options options;
  private final Listener listener;
  private final Forwarder forwarder;
  private final EventsApi events;
  private final ConsumersApi consumers;
  private final AppendsApi appends;
  private final StreamsApi streams;
  private final PositionsApi positions;
  private final ClusterApi cluster;
  private final AdminApi admin;
  private final VotersApi voters;
  private final HttpGuards guards;
  private HttpServer server;

  /** An API that serves every route. */
  public HttpApi(HttpRuntime runtime, NodeServices node, Options options) {
    this(runtime, node, options, Listener.ALL);
  }

  /** An API that serves the routes of {@code listener}. */
  public HttpApi(HttpRuntime runtime, NodeServices node, Options options, Listener listener) {
    this.vertx = runtime.vertx();
    this.options = options;
    this.listener = listener;
    AppendBody bodies = new AppendBody(options.maxJsonDepth());
    HttpSecurity security = options.security();
    this.forwarder =
        options.forward() ? new Forwarder(vertx, security == null ? null : security.tls()) : null;
    this.guards = new HttpGuards(options);
    this.events = new EventsApi(vertx, node, options, guards.access(), guards.limits());
    this.consumers = new ConsumersApi(node, options, bodies, guards.limits());
    this.appends = new AppendsApi(vertx, node, options, bodies, forwarder);
    this.streams = new StreamsApi(node);
    this.positions = new PositionsApi(node, options);
    this.cluster = new ClusterApi(node, options.scheme());
    this.admin = new AdminApi(node);
    this.voters = new VotersApi(node, bodies);
  }

  /** Binds the server; completes with the port actually bound (useful with port 0). */
  public CompletableFuture<Integer> start() {
    HttpServerOptions serverOptions =
        new HttpServerOptions()
            .setHost(options.host())
            .setPort(options.port())
            .setMaxHeaderSize(options.maxHeaderBytes())
            .setMaxInitialLineLength(REQUEST_LINE_LIMIT)
            .setIdleTimeout((int) options.idleTimeout().toSeconds())
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setCompressionSupported(false)
            .setDecompressionSupported(false);
    guards.configure(serverOptions);
    HttpServer created =
        vertx
            .createHttpServer(serverOptions)
            .invalidRequestHandler(this::invalidRequest)
            .requestHandler(router());
    guards.watchConnections(created);
    return created
        .listen()
        .map(
            s -> {
              server = s;
              guards.started(
                  vertx, s, serverOptions, forwarder == null ? null : forwarder::reloadTls);
              return s.actualPort();
            })
        .toCompletionStage()
        .toCompletableFuture();
  }

  /**
   * A request the HTTP decoder refused (request line or headers over the limit, not HTTP): a
   * problem like any other, then the connection closes, since what follows on it cannot be parsed.
   */
  private void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    Problem p;
    if (cause instanceof TooLongHttpLineException) {
      p =
          new Problem(
              ProblemType.REQUEST_LINE_TOO_LONG,
              "the request line (method, path and query) is longer than "
                  + REQUEST_LINE_LIMIT
                  + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      p =
          new Problem(
              ProblemType.HEADERS_TOO_LARGE,
              "the request headers are larger than " + options.maxHeaderBytes() + " bytes");
    } else {
      p =
          new Problem(
              ProblemType.BAD_REQUEST,
              "the request is not valid HTTP/1.1"
                  + (cause == null ? "" : ": " + cause.getMessage()));
    }
    HttpServerResponse response = request.response();
    response
        .setStatusCode(p.type().status())
        .putHeader("Content-Type", Answer.PROBLEM_JSON)
        .putHeader("Connection", "close")
        .end(Responses.problemBody(p))
        .onComplete(done -> request.connection().close());
  }

  /** Stops accepting requests and closes connections. */
  public CompletableFuture<Void> stop() {
    guards.stop(vertx);
    CompletableFuture<Void> closed =
        server == null
            ? CompletableFuture.completedFuture(null)
            : server.close().toCompletionStage().toCompletableFuture();
    if (forwarder != null) {
      return closed.thenCompose(x -> forwarder.close().toCompletionStage().toCompletableFuture());
    }
    return closed;
  }

  private Router router() {
    Router router = Router.router(vertx);
    Routes routes = new Routes(router, guards.access());
    guards.install(router);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes());
    router
        .route()
        .handler(
            ctx -> {
              refuseFormBody(ctx, routes);
              body.handle(ctx);
            });
    if (listener != Listener.ADMIN) {
      appends.register(routes);
      streams.register(routes);
      events.register(routes);
      positions.register(routes);
      consumers.register(routes);
    }
    cluster.register(routes, listener != Listener.PUBLIC);
    if (listener != Listener.PUBLIC) {
      admin.register(routes);
      voters.register(routes);
    }
    router.route().failureHandler(this::failure);
    router.errorHandler(
        404,
        ctx ->
            Responses.problem(
                ctx,
                new Problem(
                    ProblemType.NOT_FOUND,
                    "no route for " + ctx.request().method() + " " + ctx.request().path())));
    router.errorHandler(400, ctx -> Responses.problem(ctx, badRequest(ctx.request().path())));
    router.errorHandler(
        405,
        ctx -> {
          String allowed = routes.allowed(ctx.normalizedPath());
          if (!allowed.isEmpty()) {
            ctx.response().putHeader("Allow", allowed);
          }
          Responses.problem(
              ctx,
              new Problem(
                  ProblemType.METHOD_NOT_ALLOWED,
                  ctx.request().method()
                      + " is not allowed on "
                      + ctx.request().path()
                      + (allowed.isEmpty() ? "" : "; it takes " + allowed)));
        });
    return router;
  }

  // ------------------------------------------------------------------ refusals before a route

  /**
   * Answers 415 before the body is read for a form or multipart body on a route that takes JSON:
   * the body handler would decode it as a form first, and fail on a large one, before the route's
   * own check could say that the body must be JSON.
   */
  private static void refuseFormBody(RoutingContext ctx, Routes routes) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null) {
      return;
    }
    String media = type.trim().toLowerCase(java.util.Locale.ROOT);
    if ((media.startsWith("application/x-www-form-urlencoded") || media.startsWith("multipart/"))
        && routes.takesJson(ctx.request().method(), ctx.normalizedPath())) {
      RequestChecks.requireJson(ctx);
    }
  }

  /** A request Vert.x itself could not route, most often a path with a broken %-escape. */
  private static Problem badRequest(String path) {
    String detail =
        "the request could not be understood; check that every '%' in the path is followed by two"
            + " hex digits";
    return path != null && path.startsWith(StreamPath.PREFIX)
        ? new Problem(ProblemType.INVALID_STREAM_NAME, detail)
        : new Problem(ProblemType.BAD_REQUEST, detail);
  }

  private void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    Problem p;
    if (failure instanceof Problem problem) {
      p = problem;
    } else if (ctx.statusCode() == 413) {
      p =
          new Problem(
                  ProblemType.BODY_TOO_LARGE,
                  "the body is larger than this node's limit of "
                      + options.maxBodyBytes()
                      + " bytes")
              .with("limit", options.maxBodyBytes());
    } else if (ctx.statusCode() == 400) {
      p = badRequest(ctx.request().path());
    } else if (ctx.statusCode() == 417) {
      p =
          new Problem(
              ProblemType.EXPECTATION_FAILED,
              "this server answers only 'Expect: 100-continue'; the request had 'Expect: "
                  + ctx.request().getHeader("Expect")
                  + "'");
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      p =
          new Problem(
              ProblemType.BAD_REQUEST,
              "the request could not be handled (HTTP " + ctx.statusCode() + ")");
    } else {
      p = Failures.problem(failure, ctx.request().method() + " " + ctx.request().path());
    }
    Responses.problem(ctx, p);
  }
}
