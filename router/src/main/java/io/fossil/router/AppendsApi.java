package io.fossil.router;

import io.fossil.owner.AppendRequest;
import io.fossil.owner.AppendResult;
import io.fossil.owner.InvalidAppendException;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.Member;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.GlobalPosition;
import io.fossil.reader.StreamReader;
import io.fossil.security.Action;
import io.fossil.security.Principal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * {@code POST /streams/{stream}}: an append, answered by the owner of the stream's open segment;
 * any other node answers 307 to the owner, or forwards it there (option {@code forward}). A node
 * that has not seen the placement the client was sent with ({@code ?pv}) waits for it; a segment
 * changing owner is retried on a newer placement, up to twice, then answered 503 {@code no-owner}.
 */
final class AppendsApi {

  private static final int MAX_REROUTES = 2;

  private final Vertx vertx;
  private final NodeServices node;
  private final HttpApi.Options options;
  private final AppendBody bodies;
  private final Forwarder forwarder;
  private final MeterRegistry registry;
  private final StatusTimers appendTimers;
  private final Counter redirects;
  private final Counter appendedEvents;

  /**
   * @param forwarder null unless appends are forwarded to the owner rather than redirected
   */
  AppendsApi(
      Vertx vertx,
      NodeServices node,
      HttpApi.Options options,
      AppendBody bodies,
      Forwarder forwarder) {
    this.vertx = vertx;
    this.node = node;
    this.options = options;
    this.bodies = bodies;
    this.forwarder = forwarder;
    this.registry = node.registry();
    this.appendTimers =
        new StatusTimers(registry, "fossil.http.appends", "appends answered, by status");
    this.redirects =
        Counter.builder("fossil.http.redirects")
            .description("appends sent on to another node (307 or forwarded)")
            .register(registry);
    this.appendedEvents =
        Counter.builder("fossil.appended.events")
            .description("events committed by appends through this node")
            .register(registry);
  }

  void register(Routes routes) {
    routes
        .guarded(
            routes.jsonRegex(HttpMethod.POST, "/streams/.+"),
            Action.APPEND,
            ctx -> StreamPath.streamName(ctx.request().path()))
        .handler(this::append);
  }

  private void append(RoutingContext ctx) {
    Timer.Sample sample = Timer.start(registry);
    RequestChecks.allowParams(ctx, Set.of("pv", "hop"));
    String rawPath = ctx.request().path();
    String stream = StreamPath.streamName(rawPath);
    RequestChecks.requireJson(ctx);
    long pv = RequestChecks.longParam(ctx, "pv", 0, 0);
    long hop = RequestChecks.longParam(ctx, "hop", 0, 0);
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
      throw Failures.invalidAppend(e);
    }
    CompletableFuture<PlacementView> view =
        pv > node.view().version()
            ? node.awaitView(pv - 1, options.catchUpWait())
            : CompletableFuture.completedFuture(node.view());
    // The append completes on the storage's commit thread, which every segment of the store
    // shares; the answer is built and sent back here, on this request's event loop.
    Context loop = vertx.getOrCreateContext();
    Executor onLoop = task -> loop.runOnContext(ignored -> task.run());
    Principal caller = Authentication.principal(ctx);
    view.thenCompose(v -> route(request, rawPath, body, (int) hop, caller, v, 0, onLoop))
        .whenComplete(
            (answer, error) -> {
              int status = Responses.send(ctx, answer, error);
              sample.stop(appendTimers.forStatus(status));
            });
  }

  private CompletableFuture<Answer> route(
      AppendRequest request,
      String rawPath,
      Buffer body,
      int hop,
      Principal caller,
      PlacementView view,
      int attempt,
      Executor onLoop) {
    Optional<Segment> open = view.openSegmentFor(request.stream());
    Function<String, CompletableFuture<Answer>> retry =
        why ->
            attempt < MAX_REROUTES
                ? node.awaitView(view.version(), options.catchUpWait())
                    .thenCompose(
                        v -> route(request, rawPath, body, hop, caller, v, attempt + 1, onLoop))
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
          options.scheme()
              + "://"
              + owner.get().httpAddress()
              + rawPath
              + "?pv="
              + view.version()
              + "&hop="
              + (hop + 1);
      return forwarder != null
          ? forwarder.forward(location, body, caller)
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
                  Answer.JSON,
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

  /** The answer an append's outcome is: 201, 200 for a repeat, or the problem it stands for. */
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
                    EventJson.globalPosition(node, view, last.segmentSeq(), last.counter()));
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
}
