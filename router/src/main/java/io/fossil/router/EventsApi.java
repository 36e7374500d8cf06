package io.fossil.router;

import io.fossil.placement.ExpiredPositionException;
import io.fossil.placement.PlacementView;
import io.fossil.position.Cursor;
import io.fossil.position.InvalidCursorException;
import io.fossil.reader.CursorReader;
import io.fossil.reader.Selection;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Reads across streams (ADR 0016): {@code GET /events} pages through a cursor, {@code GET
 * /events/live} tails as Server-Sent Events (each tail a {@link LiveTail}). A cursor is checked
 * against the newest placement this node can learn of before a read starts.
 */
final class EventsApi {

  static final int DEFAULT_LIMIT = 100;
  private static final Set<String> SELECTION = Set.of("category", "prefix", "partition", "after");
  private static final Set<String> PAGE =
      Set.of("category", "prefix", "partition", "after", "limit");

  private final Vertx vertx;
  private final NodeServices node;
  private final HttpApi.Options options;
  private final StatusTimers readTimers;
  private final AtomicInteger liveReaders = new AtomicInteger();
  private final Authorization access;
  private final RequestLimits limits;

  /**
   * @param access which streams a caller may read
   * @param limits the caps on live tails; null: none
   */
  EventsApi(
      Vertx vertx,
      NodeServices node,
      HttpApi.Options options,
      Authorization access,
      RequestLimits limits) {
    this.vertx = vertx;
    this.node = node;
    this.options = options;
    this.access = access;
    this.limits = limits;
    this.readTimers =
        new StatusTimers(
            node.registry(), "fossil.http.cursor.reads", "cursor reads answered, by status");
    Gauge.builder("fossil.live.readers", liveReaders, AtomicInteger::get)
        .description("live tails (SSE) open on this node")
        .register(node.registry());
  }

  void register(Routes routes) {
    routes.exact(HttpMethod.GET, "/events").handler(this::page);
    routes.exact(HttpMethod.GET, "/events/live").handler(this::live);
  }

  // ------------------------------------------------------------------ GET /events

  private void page(RoutingContext ctx) {
    Timer.Sample sample = Timer.start(node.registry());
    RequestChecks.allowParams(ctx, PAGE);
    Selection selection = selection(ctx);
    long limit = RequestChecks.longParam(ctx, "limit", DEFAULT_LIMIT, 1);
    if (limit > CursorReader.MAX_LIMIT) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "limit may be at most " + CursorReader.MAX_LIMIT + ", was " + limit);
    }
    String after = RequestChecks.single(ctx, "after");
    Predicate<String> readable = access.readable(ctx, selection);
    start(after, selection)
        .thenCompose(
            from ->
                node.cursorReader().read(from.view(), from.cursor(), selection, (int) limit, false))
        .thenApply(
            page ->
                Answer.json(
                    200,
                    g -> {
                      g.writeStartObject();
                      g.writeArrayFieldStart("events");
                      for (CursorReader.CursorEvent e : page.events()) {
                        // Streams the caller may not read are left out; the cursor passes them.
                        if (readable == null || readable.test(e.event().stream())) {
                          EventJson.write(g, e.event(), e.position().toString());
                        }
                      }
                      g.writeEndArray();
                      g.writeStringField("cursor", page.cursor().encode());
                      g.writeEndObject();
                    }))
        .whenComplete(
            (answer, error) -> {
              int status = Responses.send(ctx, answer, error);
              sample.stop(readTimers.forStatus(status));
            });
  }

  /** Where a walk starts: the view to read with and the cursor, validated against that view. */
  private record Start(PlacementView view, Cursor cursor) {}

  private CompletableFuture<Start> start(String after, Selection selection) {
    PlacementView view = node.view();
    if (after == null || after.isEmpty()) {
      return CompletableFuture.completedFuture(
          new Start(view, Cursor.start(CursorReader.clusterTag(view))));
    }
    if (after.equals("end")) {
      return node.cursorReader().end(view, selection).thenApply(c -> new Start(view, c));
    }
    Cursor cursor;
    try {
      cursor = Cursor.decode(after);
    } catch (InvalidCursorException e) {
      throw Failures.invalidCursor(e);
    }
    long deadline = System.nanoTime() + options.catchUpWait().toNanos();
    return catchUp(view, cursor, deadline)
        .thenApply(
            v -> {
              // Still unknown after the wait: a cursor from the future (another store, a
              // restored backup), which resolve refuses with a 400 that says so. A cursor into
              // segments compaction retired is translated, or a 410 once that has expired.
              try {
                return new Start(v, CursorReader.resolve(v, cursor, selection));
              } catch (InvalidCursorException e) {
                throw Failures.invalidCursor(e);
              } catch (ExpiredPositionException e) {
                throw Failures.expired(e);
              }
            });
  }

  /**
   * Another node may have seen a newer placement than this one: wait, up to the deadline, until
   * this node knows every segment the cursor names.
   */
  private CompletableFuture<PlacementView> catchUp(
      PlacementView view, Cursor cursor, long deadline) {
    return ViewCatchUp.catchUp(node, view, v -> CursorReader.isAhead(v, cursor), deadline);
  }

  private static Selection selection(RoutingContext ctx) {
    String category = RequestChecks.single(ctx, "category");
    String prefix = RequestChecks.single(ctx, "prefix");
    String partition = RequestChecks.single(ctx, "partition");
    int part = 0;
    int parts = 1;
    if (partition != null) {
      String[] p = partition.split("/", -1);
      try {
        if (p.length != 2) {
          throw new NumberFormatException();
        }
        part = Integer.parseInt(p[0]);
        parts = Integer.parseInt(p[1]);
      } catch (NumberFormatException e) {
        throw new Problem(
            ProblemType.INVALID_PARAMETER,
            "partition must be i/n (e.g. 0/4), was '" + partition + "'");
      }
    }
    if (category != null && category.isEmpty()) {
      throw new Problem(ProblemType.INVALID_PARAMETER, "category must not be empty");
    }
    try {
      return new Selection(
          category, prefix == null || prefix.isEmpty() ? null : prefix, part, parts);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_PARAMETER, e.getMessage());
    }
  }

  // ------------------------------------------------------------------ GET /events/live

  private void live(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, SELECTION);
    Selection selection = selection(ctx);
    // A reconnecting EventSource sends the id of the last event it got: that wins over ?after.
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    String after =
        lastEventId != null && !lastEventId.isBlank()
            ? lastEventId.trim()
            : RequestChecks.single(ctx, "after");
    Predicate<String> readable = access.readable(ctx, selection);
    Runnable release = limits == null ? () -> {} : limits.openTail(Authentication.principal(ctx));
    Context context = vertx.getOrCreateContext();
    LiveTail tail =
        new LiveTail(
            vertx,
            node,
            liveReaders,
            ctx.response(),
            context,
            selection,
            readable,
            ctx.request().method().equals(HttpMethod.HEAD));
    // Registered first: a client that leaves while the start is computed leaves nothing behind.
    ctx.response()
        .closeHandler(
            v -> {
              tail.close();
              release.run();
            });
    ctx.addEndHandler(v -> release.run());
    // An empty ?after= is no cursor, as on GET /events; here that means "from now".
    start(after == null || after.isEmpty() ? "end" : after, selection)
        .whenComplete(
            (from, error) ->
                context.runOnContext(
                    v -> {
                      if (error != null) {
                        Responses.send(ctx, null, error);
                      } else {
                        tail.begin(from.cursor());
                      }
                    }));
  }
}
