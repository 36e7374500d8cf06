package io.fossil.router;

import io.fossil.placement.ExpiredPositionException;
import io.fossil.placement.PlacementView;
import io.fossil.placement.SegmentHistory;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.InvalidCursorException;
import io.fossil.position.Positions;
import io.fossil.reader.CursorReader;
import io.fossil.reader.LiveHeads;
import io.fossil.reader.Selection;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Reads across streams (ADR 0016): {@code GET /events} pages through a cursor, {@code GET
 * /events/live} tails as Server-Sent Events, {@code GET /positions/compare} orders positions and
 * cursors without the topology (ADR 0017).
 */
final class EventsApi {

  static final int DEFAULT_LIMIT = 100;
  static final int LIVE_PAGE = 100;
  static final long HEARTBEAT_MILLIS = 15_000;
  private static final Set<String> SELECTION = Set.of("category", "prefix", "partition", "after");
  private static final Set<String> PAGE =
      Set.of("category", "prefix", "partition", "after", "limit");

  private final Vertx vertx;
  private final NodeServices node;
  private final HttpApi.Options options;
  private final StatusTimers readTimers;
  private final AtomicInteger liveReaders = new AtomicInteger();

  EventsApi(Vertx vertx, NodeServices node, HttpApi.Options options) {
    this.vertx = vertx;
    this.node = node;
    this.options = options;
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
    routes.exact(HttpMethod.GET, "/positions/compare").handler(this::compare);
  }

  // ------------------------------------------------------------------ GET /events

  private void page(RoutingContext ctx) {
    Timer.Sample sample = Timer.start(node.registry());
    HttpApi.allowParams(ctx, PAGE);
    Selection selection = selection(ctx);
    long limit = HttpApi.longParam(ctx, "limit", DEFAULT_LIMIT, 1);
    if (limit > CursorReader.MAX_LIMIT) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "limit may be at most " + CursorReader.MAX_LIMIT + ", was " + limit);
    }
    String after = HttpApi.single(ctx, "after");
    start(after, selection)
        .thenCompose(
            from ->
                node.cursorReader().read(from.view(), from.cursor(), selection, (int) limit, false))
        .thenApply(
            page ->
                HttpApi.Answer.json(
                    200,
                    g -> {
                      g.writeStartObject();
                      g.writeArrayFieldStart("events");
                      for (CursorReader.CursorEvent e : page.events()) {
                        HttpApi.writeEvent(g, e.event(), e.position().toString());
                      }
                      g.writeEndArray();
                      g.writeStringField("cursor", page.cursor().encode());
                      g.writeEndObject();
                    }))
        .whenComplete(
            (answer, error) -> {
              int status = HttpApi.send(ctx, answer, unwrap(error));
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
      throw invalidCursor(e);
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
                throw invalidCursor(e);
              } catch (ExpiredPositionException e) {
                throw expired(e);
              }
            });
  }

  /**
   * Another node may have seen a newer placement than this one: wait, up to the deadline, until
   * this node knows every segment the cursor names.
   */
  private CompletableFuture<PlacementView> catchUp(
      PlacementView view, Cursor cursor, long deadline) {
    return catchUp(node, view, v -> CursorReader.isAhead(v, cursor), deadline);
  }

  /**
   * Waits, up to the deadline, for a view of which {@code ahead} is false (the client's position or
   * cursor came from a node that knows more), and completes with the newest view it got.
   */
  static CompletableFuture<PlacementView> catchUp(
      NodeServices node, PlacementView view, Predicate<PlacementView> ahead, long deadline) {
    long left = deadline - System.nanoTime();
    if (!ahead.test(view) || left <= 0) {
      return CompletableFuture.completedFuture(view);
    }
    return node.awaitView(view.version(), Duration.ofNanos(left))
        .thenCompose(
            v ->
                v.version() > view.version()
                    ? catchUp(node, v, ahead, deadline)
                    : CompletableFuture.completedFuture(v));
  }

  /** Whether a parsed position or cursor names more than {@code view} knows. */
  static boolean isAhead(PlacementView view, Object positionOrCursor) {
    return positionOrCursor instanceof GlobalPosition p
        ? CursorReader.isAhead(view, p)
        : CursorReader.isAhead(view, (Cursor) positionOrCursor);
  }

  private static Problem invalidCursor(InvalidCursorException e) {
    return new Problem(ProblemType.INVALID_CURSOR, "the cursor " + e.getMessage());
  }

  static Problem expired(ExpiredPositionException e) {
    return new Problem(ProblemType.CURSOR_EXPIRED, "the cursor " + e.getMessage());
  }

  private static Selection selection(RoutingContext ctx) {
    String category = HttpApi.single(ctx, "category");
    String prefix = HttpApi.single(ctx, "prefix");
    String partition = HttpApi.single(ctx, "partition");
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
    HttpApi.allowParams(ctx, SELECTION);
    Selection selection = selection(ctx);
    // A reconnecting EventSource sends the id of the last event it got: that wins over ?after.
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    String after =
        lastEventId != null && !lastEventId.isBlank()
            ? lastEventId.trim()
            : HttpApi.single(ctx, "after");
    Context context = vertx.getOrCreateContext();
    Tail tail =
        new Tail(
            ctx.response(), context, selection, ctx.request().method().equals(HttpMethod.HEAD));
    // Registered first: a client that leaves while the start is computed leaves nothing behind.
    ctx.response().closeHandler(v -> tail.close());
    // An empty ?after= is no cursor, as on GET /events; here that means "from now".
    start(after == null || after.isEmpty() ? "end" : after, selection)
        .whenComplete(
            (from, error) ->
                context.runOnContext(
                    v -> {
                      if (error != null) {
                        HttpApi.send(ctx, null, unwrap(error));
                      } else {
                        tail.begin(from.cursor());
                      }
                    }));
  }

  /**
   * One live reader. Its state lives on the request's event loop ({@code context}); store reads and
   * notifications hop back there. It reads when told a segment it selects has news, when placement
   * changed, or when its last page was full.
   */
  private final class Tail {
    private final HttpServerResponse response;
    private final Context context;
    private final Selection selection;
    private final boolean head;
    private Cursor cursor;
    private boolean reading;
    private boolean again;
    private boolean closed;
    private boolean started;
    private LiveHeads.Subscription subscription;
    private long heartbeat;

    Tail(HttpServerResponse response, Context context, Selection selection, boolean head) {
      this.response = response;
      this.context = context;
      this.selection = selection;
      this.head = head;
    }

    void begin(Cursor from) {
      if (closed || response.closed()) {
        closed = true;
        return;
      }
      cursor = from;
      started = true;
      response
          .setStatusCode(200)
          .setChunked(true)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-cache")
          .putHeader("X-Accel-Buffering", "no");
      if (head) {
        // HEAD: the headers a GET would start with, and no stream.
        closed = true;
        response.end();
        return;
      }
      response.write(": fossil live tail\n\n");
      response.exceptionHandler(e -> close());
      liveReaders.incrementAndGet();
      // Subscribe before the first read, so nothing committed in between goes unnoticed.
      subscription =
          node.liveHeads()
              .subscribe(
                  segment -> {
                    if (segment == null || selection.overlaps(segment)) {
                      context.runOnContext(v -> read());
                    }
                  });
      heartbeat =
          vertx.setPeriodic(
              HEARTBEAT_MILLIS,
              id -> {
                if (!closed) {
                  response.write(": heartbeat\n\n");
                }
              });
      read();
    }

    private void read() {
      if (closed) {
        return;
      }
      if (reading) {
        again = true; // read once more when the current read is done
        return;
      }
      if (response.writeQueueFull()) {
        // A slow client: read on when what was sent has drained, not on every notification.
        response.drainHandler(d -> read());
        return;
      }
      reading = true;
      again = false;
      node.cursorReader()
          .read(node.view(), cursor, selection, LIVE_PAGE, true)
          .whenComplete(
              (page, error) ->
                  context.runOnContext(
                      v -> {
                        reading = false;
                        if (closed) {
                          return;
                        }
                        if (error != null) {
                          Throwable cause = unwrap(error);
                          String why =
                              cause instanceof Problem p ? p.detail() : "read failed: " + cause;
                          response.write("event: error\ndata: " + why.replace('\n', ' ') + "\n\n");
                          response.end();
                          close();
                          return;
                        }
                        send(page);
                        cursor = page.cursor();
                        if (page.more() || again) {
                          read();
                        }
                      }));
    }

    private void send(CursorReader.Page page) {
      if (page.events().isEmpty()) {
        return;
      }
      Buffer out = Buffer.buffer(256 * page.events().size());
      for (CursorReader.CursorEvent e : page.events()) {
        out.appendString("id: ").appendString(e.after().encode()).appendString("\ndata: ");
        out.appendBuffer(
            JsonOut.of(g -> HttpApi.writeEvent(g, e.event(), e.position().toString())));
        out.appendString("\n\n");
      }
      response.write(out);
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (!started) {
        return;
      }
      liveReaders.decrementAndGet();
      vertx.cancelTimer(heartbeat);
      if (subscription != null) {
        subscription.close();
      }
    }
  }

  // ------------------------------------------------------------------ GET /positions/compare

  private void compare(RoutingContext ctx) {
    HttpApi.allowParams(ctx, Set.of("a", "b"));
    String a = required(ctx, "a");
    String b = required(ctx, "b");
    Object x;
    Object y;
    try {
      x = Positions.parse(a);
      y = Positions.parse(b);
    } catch (InvalidCursorException e) {
      throw invalidCursor(e);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_PARAMETER, e.getMessage());
    }
    long deadline = System.nanoTime() + options.catchUpWait().toNanos();
    // Both are read in the newest segments this node can learn of (ADR 21): a position from a
    // node that has seen a compaction this one has not would otherwise compare wrongly.
    catchUp(node, node.view(), v -> isAhead(v, x) || isAhead(v, y), deadline)
        .thenApply(
            view -> {
              Positions.Order order;
              try {
                SegmentHistory history = SegmentHistory.of(view);
                order = Positions.compare(translate(history, a), translate(history, b));
              } catch (InvalidCursorException e) {
                throw invalidCursor(e);
              } catch (ExpiredPositionException e) {
                throw expired(e);
              } catch (IllegalArgumentException e) {
                throw new Problem(ProblemType.INVALID_PARAMETER, e.getMessage());
              }
              String result = order.name().toLowerCase(Locale.ROOT);
              return HttpApi.Answer.json(
                  200,
                  g -> {
                    g.writeStartObject();
                    g.writeStringField("a", a);
                    g.writeStringField("b", b);
                    g.writeStringField("order", result);
                    g.writeEndObject();
                  });
            })
        .whenComplete((answer, error) -> HttpApi.send(ctx, answer, unwrap(error)));
  }

  /**
   * A position or cursor in today's segments, in its token form: one that names a segment
   * compaction retired is translated, so it compares right with positions read since (ADR 0021).
   */
  private static String translate(SegmentHistory history, String text) {
    Object parsed = Positions.parse(text);
    if (parsed instanceof GlobalPosition p) {
      return history.translate(p).toString();
    }
    Cursor c = (Cursor) parsed;
    Cursor t = history.translate(c);
    return t == c ? text : t.encode();
  }

  private static String required(RoutingContext ctx, String name) {
    String v = HttpApi.single(ctx, name);
    if (v == null || v.isEmpty()) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          name + " is required: a global position (seq:first-last@counter) or a cursor");
    }
    return v;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof InvalidCursorException e) {
      return invalidCursor(e);
    }
    if (cause instanceof ExpiredPositionException e) {
      return expired(e);
    }
    return cause;
  }
}
