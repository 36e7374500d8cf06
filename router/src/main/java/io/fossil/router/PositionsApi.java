package io.fossil.router;

import io.fossil.placement.ExpiredPositionException;
import io.fossil.placement.SegmentHistory;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.InvalidCursorException;
import io.fossil.position.Positions;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;

/**
 * {@code GET /positions/compare?a=&b=}: orders two global positions or cursors without the client
 * knowing the topology (ADR 0017), both read in the newest segments this node can learn of.
 */
final class PositionsApi {

  private final NodeServices node;
  private final HttpApi.Options options;

  PositionsApi(NodeServices node, HttpApi.Options options) {
    this.node = node;
    this.options = options;
  }

  void register(Routes routes) {
    routes.exact(HttpMethod.GET, "/positions/compare").handler(this::compare);
  }

  private void compare(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of("a", "b"));
    String a = required(ctx, "a");
    String b = required(ctx, "b");
    Object x;
    Object y;
    try {
      x = Positions.parse(a);
      y = Positions.parse(b);
    } catch (InvalidCursorException e) {
      throw Failures.invalidCursor(e);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_PARAMETER, e.getMessage());
    }
    long deadline = System.nanoTime() + options.catchUpWait().toNanos();
    // Both are read in the newest segments this node can learn of (ADR 21): a position from a
    // node that has seen a compaction this one has not would otherwise compare wrongly.
    ViewCatchUp.catchUp(
            node,
            node.view(),
            v -> ViewCatchUp.isAhead(v, x) || ViewCatchUp.isAhead(v, y),
            deadline)
        .thenApply(
            view -> {
              Positions.Order order;
              try {
                SegmentHistory history = view.history();
                order = Positions.compare(translate(history, a), translate(history, b));
              } catch (InvalidCursorException e) {
                throw Failures.invalidCursor(e);
              } catch (ExpiredPositionException e) {
                throw Failures.expired(e);
              } catch (IllegalArgumentException e) {
                throw new Problem(ProblemType.INVALID_PARAMETER, e.getMessage());
              }
              String result = order.name().toLowerCase(Locale.ROOT);
              return Answer.json(
                  200,
                  g -> {
                    g.writeStartObject();
                    g.writeStringField("a", a);
                    g.writeStringField("b", b);
                    g.writeStringField("order", result);
                    g.writeEndObject();
                  });
            })
        .whenComplete((answer, error) -> Responses.send(ctx, answer, error));
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
    String v = RequestChecks.single(ctx, name);
    if (v == null || v.isEmpty()) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          name + " is required: a global position (seq:first-last@counter) or a cursor");
    }
    return v;
  }
}
