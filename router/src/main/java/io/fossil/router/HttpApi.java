package io.fossil.router;

import com.fasterxml.jackson.core.JsonGenerator;
import io.fossil.kv.KvException;
import io.fossil.kv.KvLimitExceededException;
import io.fossil.owner.AppendRequest;
import io.fossil.owner.AppendResult;
import io.fossil.owner.InvalidAppendException;
import io.fossil.owner.SegmentAppender;
import io.fossil.owner.StoredEvent;
import io.fossil.placement.Member;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.SegmentHistory;
import io.fossil.position.GlobalPosition;
import io.fossil.position.SegmentId;
import io.fossil.reader.StreamReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API one node serves (Vert.x): appends (answered by the owner, redirected or forwarded by
 * any other node), stream reads, the cluster view, admin moves/splits/merges, health and metrics.
 * Every error is {@code application/problem+json} with a stable {@link ProblemType} (ADR 0015).
 */
public final class HttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String PROBLEM_JSON = "application/problem+json";
  static final String JSON = "application/json";
  private static final int DEFAULT_READ_LIMIT = 100;
  private static final int MAX_REROUTES = 2;
  private static final int REQUEST_LINE_LIMIT = 8 << 10;

  /**
   * @param host the address to bind (redirects name the address each node registered with
   *     placement, not this one)
   * @param forward forward appends to the owner instead of answering 307 (for clients that cannot
   *     reach every node)
   * @param catchUpWait how long a node waits for a newer placement before answering 503
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
      int maxHops) {

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
          maxHops);
    }
  }

  private final Vertx vertx;
  private final NodeServices node;
  private final Options options;
  private final AppendBody bodies;
  private final Forwarder forwarder;
  private final StatusTimers appendTimers;
  private final StatusTimers readTimers;
  private final Counter redirects;
  private final Counter appendedEvents;
  private final MeterRegistry registry;
  private final EventsApi events;
  private final ConsumersApi consumers;
  private HttpServer server;

  /** An answer to send: status, body, content type and extra headers. */
  record Answer(int status, Buffer body, String contentType, Map<String, String> headers) {
    static Answer json(int status, JsonOut.Body body) {
      return new Answer(status, JsonOut.of(body), JSON, Map.of());
    }
  }

  public HttpApi(HttpRuntime runtime, NodeServices node, Options options) {
    this.vertx = runtime.vertx();
    this.node = node;
    this.options = options;
    this.bodies = new AppendBody(options.maxJsonDepth());
    this.forwarder = options.forward() ? new Forwarder(vertx) : null;
    this.registry = node.registry();
    this.events = new EventsApi(vertx, node, options);
    this.consumers = new ConsumersApi(node, options, bodies);
    this.appendTimers =
        new StatusTimers(registry, "fossil.http.appends", "appends answered, by status");
    this.readTimers =
        new StatusTimers(registry, "fossil.http.reads", "stream reads answered, by status");
    this.redirects =
        Counter.builder("fossil.http.redirects")
            .description("appends sent on to another node (307 or forwarded)")
            .register(registry);
    this.appendedEvents =
        Counter.builder("fossil.appended.events")
            .description("events committed by appends through this node")
            .register(registry);
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
    return vertx
        .createHttpServer(serverOptions)
        .invalidRequestHandler(this::invalidRequest)
        .requestHandler(router())
        .listen()
        .map(
            s -> {
              server = s;
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
        .putHeader("Content-Type", PROBLEM_JSON)
        .putHeader("Connection", "close")
        .end(problemBody(p))
        .onComplete(done -> request.connection().close());
  }

  /** Stops accepting requests and closes connections. */
  public CompletableFuture<Void> stop() {
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
    Routes routes = new Routes(router);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes());
    router
        .route()
        .handler(
            ctx -> {
              refuseFormBody(ctx, routes);
              body.handle(ctx);
            });
    routes.jsonRegex(HttpMethod.POST, "/streams/.+").handler(this::append);
    routes.regex(HttpMethod.GET, "/streams/.+").handler(this::readStream);
    events.register(routes);
    consumers.register(routes);
    routes.exact(HttpMethod.GET, "/cluster").handler(this::cluster);
    routes.exact(HttpMethod.GET, "/health/live").handler(this::live);
    routes.exact(HttpMethod.GET, "/health/ready").handler(this::ready);
    routes.exact(HttpMethod.GET, "/metrics").handler(this::metrics);
    routes.exact(HttpMethod.POST, "/admin/segments/merge").handler(this::merge);
    routes.exact(HttpMethod.POST, "/admin/compaction").handler(this::compaction);
    routes
        .regex(HttpMethod.POST, "/admin/segments/([^/]+)/(move|split)")
        .handler(this::moveOrSplit);
    router.route().failureHandler(this::failure);
    router.errorHandler(
        404,
        ctx ->
            problem(
                ctx,
                new Problem(
                    ProblemType.NOT_FOUND,
                    "no route for " + ctx.request().method() + " " + ctx.request().path())));
    router.errorHandler(400, ctx -> problem(ctx, badRequest(ctx.request().path())));
    router.errorHandler(
        405,
        ctx -> {
          String allowed = routes.allowed(ctx.normalizedPath());
          if (!allowed.isEmpty()) {
            ctx.response().putHeader("Allow", allowed);
          }
          problem(
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

  // ------------------------------------------------------------------ appends

  private void append(RoutingContext ctx) {
    Timer.Sample sample = Timer.start(registry);
    allowParams(ctx, Set.of("pv", "hop"));
    String rawPath = ctx.request().path();
    String stream = StreamPath.streamName(rawPath);
    requireJson(ctx);
    long pv = longParam(ctx, "pv", 0, 0);
    int hop = (int) longParam(ctx, "hop", 0, 0);
    if (hop > options.maxHops()) {
      throw new Problem(
              ProblemType.TOO_MANY_HOPS,
              "the append was redirected " + hop + " times without reaching the stream's owner")
          .retryAfter(1);
    }
    Buffer body = ctx.body().buffer();
    AppendRequest request = bodies.parse(stream, body == null ? new byte[0] : body.getBytes());
    try {
      node.limits().check(request);
    } catch (InvalidAppendException e) {
      throw invalid(e);
    }
    CompletableFuture<PlacementView> view =
        pv > node.view().version()
            ? node.awaitView(pv - 1, options.catchUpWait())
            : CompletableFuture.completedFuture(node.view());
    // The append completes on the storage's commit thread, which every segment of the store
    // shares; the answer is built and sent back here, on this request's event loop.
    Context loop = vertx.getOrCreateContext();
    Executor onLoop = task -> loop.runOnContext(ignored -> task.run());
    view.thenCompose(v -> route(request, rawPath, body, hop, v, 0, onLoop))
        .whenComplete(
            (answer, error) -> {
              int status = send(ctx, answer, error);
              sample.stop(appendTimers.forStatus(status));
            });
  }

  private CompletableFuture<Answer> route(
      AppendRequest request,
      String rawPath,
      Buffer body,
      int hop,
      PlacementView view,
      int attempt,
      Executor onLoop) {
    Optional<Segment> open = view.openSegmentFor(request.stream());
    Function<String, CompletableFuture<Answer>> retry =
        why ->
            attempt < MAX_REROUTES
                ? node.awaitView(view.version(), options.catchUpWait())
                    .thenCompose(v -> route(request, rawPath, body, hop, v, attempt + 1, onLoop))
                : CompletableFuture.failedFuture(
                    new Problem(ProblemType.NO_OWNER, why).retryAfter(1));
    if (open.isEmpty()) {
      return retry.apply("no open segment covers stream '" + request.stream() + "' yet");
    }
    Segment segment = open.get();
    if (!segment.owner().equals(node.nodeId())) {
      Optional<Member> owner = view.member(segment.owner());
      if (owner.isEmpty()) {
        return retry.apply("the owner of segment " + segment.id() + " is not a member any more");
      }
      redirects.increment();
      String location =
          "http://"
              + owner.get().httpAddress()
              + rawPath
              + "?pv="
              + view.version()
              + "&hop="
              + (hop + 1);
      return options.forward()
          ? forwarder.forward(location, body)
          : CompletableFuture.completedFuture(
              new Answer(
                  307,
                  JsonOut.of(
                      g -> {
                        g.writeStartObject();
                        g.writeStringField("owner", segment.owner());
                        g.writeStringField("location", location);
                        g.writeEndObject();
                      }),
                  JSON,
                  Map.of("Location", location)));
    }
    Optional<SegmentAppender> appender = node.appender(segment.id());
    if (appender.isEmpty()) {
      return retry.apply("segment " + segment.id() + " is being handed to this node");
    }
    return appender
        .get()
        .append(request)
        .thenComposeAsync(
            result -> {
              if (result instanceof AppendResult.NotOwner
                  || result instanceof AppendResult.Sealed) {
                return retry.apply("segment " + segment.id() + " is changing owner");
              }
              return answer(result, view);
            },
            onLoop);
  }

  private CompletableFuture<Answer> answer(AppendResult result, PlacementView view) {
    if (result instanceof AppendResult.Appended a) {
      appendedEvents.increment(a.lastPosition() - a.firstPosition() + 1);
      return CompletableFuture.completedFuture(
          appended(
              201,
              a.stream(),
              a.firstPosition(),
              a.lastPosition(),
              new GlobalPosition(a.segment(), a.lastCounter())));
    }
    if (result instanceof AppendResult.Duplicate d) {
      return node.reader()
          .read(d.stream(), d.lastPosition(), 1, true)
          .thenApply(
              page -> {
                StreamReader.ReadEvent last = page.events().get(0);
                return appended(
                    200,
                    d.stream(),
                    d.firstPosition(),
                    d.lastPosition(),
                    globalPosition(view, last.segmentSeq(), last.counter()));
              });
    }
    if (result instanceof AppendResult.Conflict c) {
      throw new Problem(
              ProblemType.WRONG_EXPECTED_POSITION,
              "stream '"
                  + c.stream()
                  + "' is at position "
                  + c.actualPosition()
                  + ", not at the expected "
                  + c.expectedPosition())
          .with("stream", c.stream())
          .with("expectedPosition", c.expectedPosition())
          .with("actualPosition", c.actualPosition());
    }
    if (result instanceof AppendResult.IdempotencyConflict c) {
      throw new Problem(ProblemType.IDEMPOTENCY_CONFLICT, c.reason())
          .with("stream", c.stream())
          .with("eventId", c.eventId());
    }
    if (result instanceof AppendResult.Overloaded o) {
      throw new Problem(
              ProblemType.OVERLOADED,
              o.queued() + " appends are queued for this stream's segment; retry shortly")
          .retryAfter(1);
    }
    if (result instanceof AppendResult.OutcomeUnknown u) {
      throw new Problem(
              ProblemType.OUTCOME_UNKNOWN,
              "the storage could not confirm the append ("
                  + u.reason()
                  + "); retry with the same event ids to learn its outcome")
          .retryAfter(1);
    }
    throw new IllegalStateException("unexpected append result " + result);
  }

  private static Answer appended(
      int status, String stream, long first, long last, GlobalPosition global) {
    return Answer.json(
        status,
        g -> {
          g.writeStartObject();
          g.writeStringField("stream", stream);
          g.writeNumberField("firstPosition", first);
          g.writeNumberField("position", last);
          g.writeStringField("globalPosition", global == null ? null : global.toString());
          g.writeEndObject();
        });
  }

  // ------------------------------------------------------------------ reads

  private void readStream(RoutingContext ctx) {
    Timer.Sample sample = Timer.start(registry);
    allowParams(ctx, Set.of("from", "limit", "direction"));
    String stream = StreamPath.streamName(ctx.request().path());
    try {
      io.fossil.owner.AppendLimits.checkStreamName(stream);
    } catch (InvalidAppendException e) {
      throw invalid(e);
    }
    String direction = Optional.ofNullable(single(ctx, "direction")).orElse("forward");
    if (!direction.equals("forward") && !direction.equals("backward")) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "direction must be 'forward' or 'backward', was '" + direction + "'");
    }
    boolean forward = direction.equals("forward");
    long from = longParam(ctx, "from", forward ? 0 : Long.MAX_VALUE, 0);
    long limit = longParam(ctx, "limit", DEFAULT_READ_LIMIT, 1);
    if (limit > StreamReader.MAX_LIMIT) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "limit may be at most " + StreamReader.MAX_LIMIT + ", was " + limit);
    }
    PlacementView view = node.view();
    node.reader()
        .read(stream, from, (int) limit, forward)
        .thenApply(page -> Answer.json(200, g -> writePage(g, page, view)))
        .whenComplete(
            (answer, error) -> {
              int status = send(ctx, answer, error);
              sample.stop(readTimers.forStatus(status));
            });
  }

  private void writePage(JsonGenerator g, StreamReader.StreamPage page, PlacementView view)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("stream", page.stream());
    g.writeNumberField("position", page.lastPosition());
    g.writeArrayFieldStart("events");
    for (StreamReader.ReadEvent r : page.events()) {
      GlobalPosition global = globalPosition(view, r.segmentSeq(), r.counter());
      writeEvent(g, r.event(), global == null ? null : global.toString());
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** One event as JSON, the same for stream reads, cursor reads and live tails. */
  static void writeEvent(JsonGenerator g, StoredEvent e, String globalPosition) throws IOException {
    g.writeStartObject();
    g.writeStringField("stream", e.stream());
    g.writeNumberField("position", e.position());
    g.writeStringField("globalPosition", globalPosition);
    g.writeStringField("id", e.id());
    g.writeStringField("type", e.type());
    g.writeFieldName("data");
    g.writeRawValue(new String(e.data(), StandardCharsets.UTF_8));
    g.writeFieldName("metadata");
    g.writeRawValue(
        e.metadata().length == 0 ? "{}" : new String(e.metadata(), StandardCharsets.UTF_8));
    g.writeStringField("time", Instant.ofEpochMilli(e.time()).toString());
    g.writeEndObject();
  }

  /**
   * The global position of the event stored in segment {@code seq} at {@code counter}, inside its
   * compacted segment if compaction retired that one (ADR 0021); null only if this node's placement
   * does not know the segment.
   */
  private GlobalPosition globalPosition(PlacementView view, long seq, long counter) {
    PlacementView latest = node.view();
    for (PlacementView v : List.of(latest, view)) {
      Optional<GlobalPosition> p = SegmentHistory.of(v).stored(seq, counter);
      if (p.isPresent()) {
        return p.get();
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ cluster and admin

  private void cluster(RoutingContext ctx) {
    allowParams(ctx, Set.of());
    PlacementView v = node.view();
    send(
        ctx,
        Answer.json(
            200,
            g -> {
              g.writeStartObject();
              g.writeStringField("clusterId", v.clusterId());
              g.writeNumberField("version", v.version());
              g.writeStringField("time", Instant.ofEpochMilli(v.time()).toString());
              g.writeNumberField("leaseMillis", v.leaseMillis());
              g.writeStringField("servedBy", node.nodeId());
              g.writeArrayFieldStart("members");
              for (Member m : v.members()) {
                g.writeStartObject();
                g.writeStringField("nodeId", m.nodeId());
                g.writeNumberField("incarnation", m.incarnation());
                g.writeStringField("httpAddress", m.httpAddress());
                g.writeStringField("raftAddress", m.raftAddress());
                g.writeStringField(
                    "leaseDeadline", Instant.ofEpochMilli(m.leaseDeadline()).toString());
                g.writeBooleanField("leaving", m.leaving());
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeArrayFieldStart("segments");
              for (Segment s : v.segments()) {
                g.writeStartObject();
                g.writeStringField("id", s.id().toString());
                g.writeNumberField("seq", s.id().seq());
                g.writeStringField("first", Long.toHexString(s.id().first()));
                g.writeStringField("last", Long.toHexString(s.id().last()));
                g.writeStringField("state", s.state().name());
                g.writeStringField("owner", s.owner());
                g.writeNumberField("epoch", s.epoch());
                g.writeArrayFieldStart("predecessors");
                for (SegmentId p : s.predecessors()) {
                  g.writeString(p.toString());
                }
                g.writeEndArray();
                g.writeArrayFieldStart("successors");
                for (SegmentId p : s.successors()) {
                  g.writeString(p.toString());
                }
                g.writeEndArray();
                if (!s.isOpen() && s.finalKnown()) {
                  g.writeNumberField("finalCounter", s.finalCounter());
                }
                if (s.isCompacted()) {
                  g.writeNumberField("compactedParts", s.parts().size());
                }
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeEndObject();
            }),
        null);
  }

  private void moveOrSplit(RoutingContext ctx) {
    SegmentId id = segmentId(StreamPath.decode(ctx.pathParam("param0")), "segment id");
    String action = ctx.pathParam("param1");
    PlacementCommand command;
    if (action.equals("move")) {
      allowParams(ctx, Set.of("to"));
      String to = ctx.queryParams().get("to");
      if (to == null || to.isEmpty()) {
        throw new Problem(ProblemType.INVALID_PARAMETER, "move needs ?to=<node id>");
      }
      command = new PlacementCommand.Move(id, to);
    } else {
      allowParams(ctx, Set.of("at"));
      String at = ctx.queryParams().get("at");
      Long point = null;
      if (at != null) {
        try {
          point = Long.parseUnsignedLong(at.startsWith("0x") ? at.substring(2) : at, 16);
        } catch (NumberFormatException e) {
          throw new Problem(
              ProblemType.INVALID_PARAMETER,
              "at must be a ring point in hex (e.g. 8000000000000000), was '" + at + "'");
        }
      }
      command = new PlacementCommand.Split(id, point);
    }
    admin(ctx, command);
  }

  private void merge(RoutingContext ctx) {
    allowParams(ctx, Set.of("a", "b"));
    SegmentId a = segmentId(ctx.queryParams().get("a"), "a");
    SegmentId b = segmentId(ctx.queryParams().get("b"), "b");
    admin(ctx, new PlacementCommand.Merge(a, b));
  }

  private static SegmentId segmentId(String text, String what) {
    if (text == null) {
      throw new Problem(ProblemType.INVALID_PARAMETER, what + " is required (seq:first-last)");
    }
    try {
      return SegmentId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_PARAMETER, what + ": " + e.getMessage());
    }
  }

  /** {@code POST /admin/compaction}: one compaction pass now, answered with what it did. */
  private void compaction(RoutingContext ctx) {
    allowParams(ctx, Set.of());
    node.compact()
        .handle(
            (report, error) -> {
              if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                if (cause instanceof IllegalStateException) {
                  throw new Problem(ProblemType.COMPACTION_RUNNING, cause.getMessage())
                      .retryAfter(1);
                }
                throw new Problem(
                        ProblemType.PLACEMENT_UNAVAILABLE,
                        "the compaction pass did not finish: " + cause)
                    .retryAfter(1);
              }
              return Answer.json(
                  200,
                  g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("compacted");
                    for (SegmentId id : report.compacted()) {
                      g.writeString(id.toString());
                    }
                    g.writeEndArray();
                    g.writeNumberField("segmentsRetired", report.segmentsRetired());
                    g.writeArrayFieldStart("refused");
                    for (String why : report.refused()) {
                      g.writeString(why);
                    }
                    g.writeEndArray();
                    g.writeNumberField("cursorsRewritten", report.cursorsRewritten());
                    g.writeBooleanField("more", report.more());
                    g.writeNumberField("tookMillis", report.took().toMillis());
                    g.writeNumberField("throttledMillis", report.throttled().toMillis());
                    g.writeEndObject();
                  });
            })
        .whenComplete((answer, error) -> send(ctx, answer, error));
  }

  private void admin(RoutingContext ctx, PlacementCommand command) {
    node.submit(command)
        .exceptionally(
            e -> {
              throw new Problem(
                      ProblemType.PLACEMENT_UNAVAILABLE, "the placement group did not answer: " + e)
                  .retryAfter(1);
            })
        .thenApply(
            reply -> {
              if (reply instanceof PlacementReply.Rejected r) {
                ProblemType type =
                    switch (r.code()) {
                      case UNKNOWN_SEGMENT -> ProblemType.UNKNOWN_SEGMENT;
                      case BAD_SPLIT_POINT -> ProblemType.INVALID_PARAMETER;
                      default -> ProblemType.PLACEMENT_REJECTED;
                    };
                throw new Problem(type, r.message()).with("code", r.code().name());
              }
              List<SegmentId> created =
                  reply instanceof PlacementReply.Changed c ? c.created() : List.of();
              long version = reply.changedVersion();
              return Answer.json(
                  200,
                  g -> {
                    g.writeStartObject();
                    g.writeNumberField("version", version);
                    g.writeArrayFieldStart("created");
                    for (SegmentId s : created) {
                      g.writeString(s.toString());
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                  });
            })
        .whenComplete((answer, error) -> send(ctx, answer, error));
  }

  // ------------------------------------------------------------------ health and metrics

  private void live(RoutingContext ctx) {
    send(ctx, Answer.json(200, g -> status(g, "up")), null);
  }

  private void ready(RoutingContext ctx) {
    String reason = node.notReadyReason();
    if (reason != null) {
      throw new Problem(ProblemType.NOT_READY, reason).retryAfter(1);
    }
    send(ctx, Answer.json(200, g -> status(g, "ready")), null);
  }

  private static void status(JsonGenerator g, String status) throws IOException {
    g.writeStartObject();
    g.writeStringField("status", status);
    g.writeEndObject();
  }

  private void metrics(RoutingContext ctx) {
    send(
        ctx,
        new Answer(
            200,
            Buffer.buffer(node.registry().scrape()),
            "text/plain; version=0.0.4; charset=utf-8",
            Map.of()),
        null);
  }

  // ------------------------------------------------------------------ checks and answers

  static void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String media =
        type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (!media.equals(JSON) && !media.endsWith("+json")) {
      throw new Problem(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "send the body as JSON with 'Content-Type: application/json'"
              + (type == null ? " (the request had no Content-Type)" : " (was '" + type + "')"));
    }
  }

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
      requireJson(ctx);
    }
  }

  static void allowParams(RoutingContext ctx, Set<String> known) {
    Set<String> names;
    try {
      names = ctx.queryParams().names();
    } catch (RuntimeException e) {
      // Vert.x could not decode the query string (it answers 400 for that itself, but blames no
      // parameter); later calls would fail the same way, so say what is wrong here.
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "the query string could not be decoded; check that every '%' in it is followed by two"
              + " hex digits (write a literal '%' as %25)");
    }
    for (String name : names) {
      if (!known.contains(name)) {
        throw new Problem(
            ProblemType.UNKNOWN_PARAMETER,
            "unknown query parameter '"
                + name
                + "'"
                + (known.isEmpty()
                    ? ""
                    : "; this route takes " + known.stream().sorted().toList()));
      }
    }
  }

  /** A query parameter given at most once; null when absent. */
  static String single(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParams().getAll(name);
    if (values.size() > 1) {
      throw new Problem(ProblemType.INVALID_PARAMETER, name + " is given more than once");
    }
    return values.isEmpty() ? null : values.get(0);
  }

  static long longParam(RoutingContext ctx, String name, long absent, long min) {
    String value = single(ctx, name);
    if (value == null) {
      return absent;
    }
    try {
      long v = Long.parseLong(value);
      if (v < min) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          name + " must be an integer >= " + min + ", was '" + value + "'");
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

  private static Problem invalid(InvalidAppendException e) {
    return new Problem(ProblemType.valueOf(e.code().name()), e.getMessage());
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
      p = problemFor(failure, ctx.request().method() + " " + ctx.request().path());
    }
    problem(ctx, p);
  }

  /**
   * The problem an error stands for. The store not answering, or answering with an error, is a 503
   * the client may retry, logged without a stack trace; anything else unexpected is a 500, logged
   * with one.
   */
  static Problem problemFor(Throwable error, String what) {
    if (error instanceof Problem problem) {
      return problem;
    }
    if (error instanceof TimeoutException
        || error instanceof KvException && !(error instanceof KvLimitExceededException)) {
      LOG.warn("{} failed in the store: {}", what, error.toString());
      return new Problem(
              ProblemType.STORE_UNAVAILABLE,
              "the storage failed or did not answer (" + error + "); retry")
          .retryAfter(1);
    }
    LOG.error("{} failed", what, error);
    return new Problem(ProblemType.INTERNAL, "internal error: " + error);
  }

  /** Sends an answer or the problem an error stands for; returns the status sent. */
  static int send(RoutingContext ctx, Answer answer, Throwable error) {
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      return problem(ctx, problemFor(cause, "a request"));
    }
    HttpServerResponse response = ctx.response();
    if (response.closed() || response.ended()) {
      return answer.status();
    }
    response.setStatusCode(answer.status());
    if (answer.contentType() != null) {
      response.putHeader("Content-Type", answer.contentType());
    }
    answer.headers().forEach(response::putHeader);
    end(ctx, answer.body());
    return answer.status();
  }

  static int problem(RoutingContext ctx, Problem p) {
    int status = p.type().status();
    HttpServerResponse response = ctx.response();
    if (response.closed() || response.ended()) {
      return status;
    }
    response.setStatusCode(status).putHeader("Content-Type", PROBLEM_JSON);
    if (p.retryAfterSeconds() >= 0) {
      response.putHeader("Retry-After", Integer.toString(p.retryAfterSeconds()));
    }
    end(ctx, problemBody(p));
    return status;
  }

  /**
   * Ends the response with {@code body}; a HEAD request gets the body's length and no body (RFC
   * 9110, section 9.3.2). Vert.x leaves the body out of a HEAD response on HTTP/1.1 but sends it on
   * HTTP/2, which a client must treat as a protocol error.
   */
  private static void end(RoutingContext ctx, Buffer body) {
    if (ctx.request().method().equals(HttpMethod.HEAD)) {
      ctx.response().putHeader("Content-Length", Integer.toString(body.length())).end();
    } else {
      ctx.response().end(body);
    }
  }

  private static Buffer problemBody(Problem p) {
    Map<String, Object> ext = new LinkedHashMap<>(p.extensions());
    return JsonOut.of(
        g -> {
          g.writeStartObject();
          g.writeStringField("type", p.type().uri());
          g.writeStringField("title", p.type().title());
          g.writeNumberField("status", p.type().status());
          g.writeStringField("detail", p.detail());
          for (Map.Entry<String, Object> e : ext.entrySet()) {
            g.writeFieldName(e.getKey());
            JsonOut.value(g, e.getValue());
          }
          g.writeEndObject();
        });
  }
}
