package io.fossil.router;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.kv.KvLimitExceededException;
import io.fossil.kv.PercentDecoding;
import io.fossil.placement.ExpiredPositionException;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.InvalidCursorException;
import io.fossil.reader.ConsumerCursors;
import io.fossil.reader.ConsumerCursors.CursorWrite;
import io.fossil.reader.CursorReader;
import io.fossil.security.Action;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stored consumer cursors ({@link ConsumerCursors}): {@code PUT}/{@code GET
 * /consumers/{name}/cursor} (with compare-and-set), {@code GET /consumers/{name}/wait} (a long poll
 * until the consumer passes a global position: read-your-writes for read models) and {@code DELETE
 * /consumers/{name}}. A bad request changes nothing (ADR 0015).
 */
final class ConsumersApi {

  static final long DEFAULT_WAIT_MILLIS = 10_000;
  static final long MAX_WAIT_MILLIS = 60_000;
  private static final String PREFIX = "/consumers/";
  private static final Set<String> BODY = Set.of("cursor", "expectedCursor");
  private static final String NAME = "([^/]+)";

  private final NodeServices node;
  private final HttpApi.Options options;
  private final AppendBody json;
  private final RequestLimits limits;

  /**
   * @param limits the node's cap on consumer waits
   */
  ConsumersApi(NodeServices node, HttpApi.Options options, AppendBody json, RequestLimits limits) {
    this.node = node;
    this.options = options;
    this.json = json;
    this.limits = limits;
    Gauge.builder("fossil.consumer.waits", node, n -> n.consumers().waiting())
        .description("waits for a consumer's cursor in progress on this node")
        .register(node.registry());
  }

  void register(Routes routes) {
    routes
        .guarded(
            routes.jsonRegex(HttpMethod.PUT, PREFIX + NAME + "/cursor"),
            Action.CONSUME,
            ConsumersApi::name)
        .handler(this::put);
    routes
        .guarded(
            routes.regex(HttpMethod.GET, PREFIX + NAME + "/cursor"),
            Action.CONSUME,
            ConsumersApi::name)
        .handler(this::get);
    routes
        .guarded(
            routes.regex(HttpMethod.GET, PREFIX + NAME + "/wait"),
            Action.CONSUME,
            ConsumersApi::name)
        .handler(this::await);
    routes
        .guarded(routes.regex(HttpMethod.DELETE, PREFIX + NAME), Action.CONSUME, ConsumersApi::name)
        .handler(this::delete);
  }

  // ------------------------------------------------------------------ PUT /consumers/{name}/cursor

  private void put(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of());
    String name = name(ctx);
    RequestChecks.requireJson(ctx);
    Buffer body = ctx.body().buffer();
    JsonNode root = json.readTree(body == null ? new byte[0] : body.getBytes());
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new Problem(
          ProblemType.INVALID_FIELD,
          "the body must be a JSON object like {\"cursor\": \"<token>\"}, optionally with"
              + " \"expectedCursor\": \"<token>\" or null");
    }
    AppendBody.checkFields(root, BODY, "");
    JsonNode cursorField = root.get("cursor");
    if (cursorField == null || !cursorField.isTextual()) {
      throw new Problem(
          ProblemType.INVALID_FIELD, "'cursor' must be a cursor token (a string from GET /events)");
    }
    Cursor cursor = cursor(cursorField.asText(), "cursor");
    JsonNode expectedField = root.get("expectedCursor");
    if (expectedField != null && !expectedField.isNull() && !expectedField.isTextual()) {
      throw new Problem(
          ProblemType.INVALID_FIELD,
          "'expectedCursor' must be a cursor token, or null for a consumer that has none yet");
    }
    Optional<Cursor> expected =
        expectedField == null || expectedField.isNull()
            ? Optional.empty()
            : Optional.of(cursor(expectedField.asText(), "expectedCursor"));
    CompletableFuture<CursorWrite> write;
    try {
      write =
          expectedField == null
              ? node.consumers().put(name, cursor)
              : node.consumers().compareAndSet(name, expected, cursor);
    } catch (KvLimitExceededException e) {
      throw tooLarge(e);
    }
    write
        .thenApply(
            result -> {
              if (result instanceof CursorWrite.Conflict c) {
                throw new Problem(
                        ProblemType.WRONG_EXPECTED_CURSOR,
                        "consumer '"
                            + name
                            + "' "
                            + (c.actual().isEmpty()
                                ? "has no cursor stored"
                                : "has another cursor stored (actualCursor)")
                            + ", not the expected "
                            + (expected.isEmpty() ? "none" : "one (expectedCursor)")
                            + "; read it and retry")
                    .with("name", name)
                    .with("expectedCursor", expected.map(Cursor::encode).orElse(null))
                    .with("actualCursor", c.actual().map(Cursor::encode).orElse(null));
              }
              return cursorAnswer(name, written(result));
            })
        .whenComplete((answer, error) -> Responses.send(ctx, answer, cause(error)));
  }

  /** A token from the body: it must decode and come from this cluster. */
  private Cursor cursor(String token, String field) {
    Cursor c;
    try {
      c = Cursor.decode(token);
    } catch (InvalidCursorException e) {
      throw new Problem(ProblemType.INVALID_CURSOR, "'" + field + "' " + e.getMessage());
    }
    if (c.clusterTag() != CursorReader.clusterTag(node.view())) {
      throw new Problem(
          ProblemType.INVALID_CURSOR,
          "'" + field + "' comes from another cluster; store cursors read from this one");
    }
    return c;
  }

  private static Problem tooLarge(KvLimitExceededException e) {
    return new Problem(
        ProblemType.CURSOR_TOO_LARGE,
        "the cursor does not fit one storage write: " + e.getMessage());
  }

  /** The cursor a write left, or the problem an unknown outcome is. */
  private static Optional<Cursor> written(CursorWrite result) {
    if (result instanceof CursorWrite.Written w) {
      return w.cursor();
    }
    if (result instanceof CursorWrite.Unknown u) {
      throw new Problem(
              ProblemType.CURSOR_OUTCOME_UNKNOWN,
              "the storage could not confirm the change ("
                  + u.reason()
                  + "); send the same request again")
          .retryAfter(1);
    }
    throw new IllegalStateException("unexpected cursor write " + result);
  }

  private static Answer cursorAnswer(String name, Optional<Cursor> cursor) {
    return Answer.json(
        200,
        g -> {
          g.writeStartObject();
          g.writeStringField("name", name);
          g.writeStringField("cursor", cursor.map(Cursor::encode).orElse(null));
          g.writeEndObject();
        });
  }

  // ------------------------------------------------------------------ GET /consumers/{name}/cursor

  private void get(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of());
    String name = name(ctx);
    node.consumers()
        .get(name)
        .thenApply(
            cursor -> {
              if (cursor.isEmpty()) {
                throw new Problem(
                        ProblemType.CONSUMER_NOT_FOUND,
                        "no cursor is stored for consumer '"
                            + name
                            + "'; store one with PUT /consumers/"
                            + name
                            + "/cursor")
                    .with("name", name);
              }
              return cursorAnswer(name, cursor);
            })
        .whenComplete((answer, error) -> Responses.send(ctx, answer, cause(error)));
  }

  // ------------------------------------------------------------------ GET /consumers/{name}/wait

  private void await(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of("position", "timeout"));
    String name = name(ctx);
    String text = RequestChecks.single(ctx, "position");
    if (text == null || text.isEmpty()) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "position is required: the globalPosition of an append (seq:first-last@counter)");
    }
    GlobalPosition parsed;
    try {
      parsed = GlobalPosition.parse(text);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_PARAMETER, "position: " + e.getMessage());
    }
    long timeout = RequestChecks.longParam(ctx, "timeout", DEFAULT_WAIT_MILLIS, 0);
    if (timeout > MAX_WAIT_MILLIS) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "timeout may be at most " + MAX_WAIT_MILLIS + " ms, was " + timeout);
    }
    // Answer before the server would close the connection as idle: wait until a second before it.
    // That second covers the grace a wait gives a store that has not answered its first read
    // (ConsumerCursors.FIRST_READ_GRACE, 500 ms).
    long idle = options.idleTimeout().toMillis();
    long wait = idle > 1_000 ? Math.min(timeout, idle - 1_000) : timeout;
    long deadline = System.nanoTime() + options.catchUpWait().toNanos();
    // Held from here until the answer (or the client's leaving): a 429 past the node's cap.
    Runnable release = limits.openWait();
    AtomicReference<CompletableFuture<ConsumerCursors.WaitResult>> waiting =
        new AtomicReference<>();
    CompletableFuture<ConsumerCursors.WaitResult> result;
    try {
      result = waitFor(name, parsed, wait, deadline, waiting);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    result.whenComplete((r, e) -> release.run());
    // A client that leaves ends its wait.
    ctx.response()
        .closeHandler(
            v -> {
              result.cancel(false);
              CompletableFuture<ConsumerCursors.WaitResult> w = waiting.get();
              if (w != null) {
                w.cancel(false);
              }
            });
    result
        .thenApply(
            r ->
                Answer.json(
                    200,
                    g -> {
                      g.writeStartObject();
                      g.writeStringField("name", name);
                      g.writeBooleanField("reached", r.reached());
                      g.writeStringField("cursor", r.cursor().map(Cursor::encode).orElse(null));
                      g.writeEndObject();
                    }))
        .whenComplete(
            (answer, error) -> {
              Throwable cause = cause(error);
              if (!(cause instanceof CancellationException)) {
                Responses.send(ctx, answer, cause);
              }
            });
  }

  /**
   * Waits, once this node's placement knows the position's compactions, until the consumer passes
   * {@code parsed} or {@code waitMillis} pass; the cursors' wait lands in {@code waiting}.
   */
  private CompletableFuture<ConsumerCursors.WaitResult> waitFor(
      String name,
      GlobalPosition parsed,
      long waitMillis,
      long deadline,
      AtomicReference<CompletableFuture<ConsumerCursors.WaitResult>> waiting) {
    // A position from a node that has seen a compaction this one has not is checked only once
    // this node knows it too (ADR 21); then in today's segments.
    return ViewCatchUp.catchUp(node, node.view(), v -> CursorReader.isAhead(v, parsed), deadline)
        .thenCompose(
            v -> {
              GlobalPosition position;
              try {
                position = v.history().translate(parsed);
              } catch (ExpiredPositionException e) {
                throw Failures.expired(e);
              } catch (IllegalArgumentException e) {
                throw new Problem(ProblemType.INVALID_PARAMETER, "position: " + e.getMessage());
              }
              CompletableFuture<ConsumerCursors.WaitResult> w =
                  node.consumers().await(name, position, Duration.ofMillis(waitMillis));
              waiting.set(w);
              return w;
            });
  }

  // ------------------------------------------------------------------ DELETE /consumers/{name}

  private void delete(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of());
    String name = name(ctx);
    node.consumers()
        .delete(name)
        .thenApply(
            result -> {
              written(result);
              return new Answer(204, Buffer.buffer(), null, Map.of());
            })
        .whenComplete((answer, error) -> Responses.send(ctx, answer, cause(error)));
  }

  // ------------------------------------------------------------------ names and errors

  /** The consumer name: the path segment after {@code /consumers/}, percent-decoded once. */
  static String name(RoutingContext ctx) {
    String rest = ctx.request().path().substring(PREFIX.length());
    int slash = rest.indexOf('/');
    String raw = slash < 0 ? rest : rest.substring(0, slash);
    String name;
    try {
      name = PercentDecoding.decode(raw);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_CONSUMER_NAME, "the consumer name " + e.getMessage());
    }
    try {
      ConsumerCursors.checkName(name);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_CONSUMER_NAME, e.getMessage());
    }
    return name;
  }

  /** A failure as the problem it stands for; a cursor too large for one write is a 413. */
  private static Throwable cause(Throwable error) {
    Throwable cause = Failures.cause(error);
    if (cause instanceof KvLimitExceededException e) {
      return tooLarge(e);
    }
    return cause;
  }
}
