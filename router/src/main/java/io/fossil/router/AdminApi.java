package io.fossil.router;

import io.fossil.compaction.CompactionRunningException;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.position.SegmentId;
import io.fossil.security.Action;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * Operator commands: {@code POST /admin/segments/{id}/move?to=}, {@code .../split?at=}, {@code
 * /admin/segments/merge?a=&b=} (sent to the placement group; a refusal is a problem carrying the
 * placement code) and {@code POST /admin/compaction} (one compaction pass now, ADR 0021).
 */
final class AdminApi {

  private final NodeServices node;

  AdminApi(NodeServices node) {
    this.node = node;
  }

  void register(Routes routes) {
    routes
        .guarded(routes.exact(HttpMethod.POST, "/admin/segments/merge"), Action.ADMIN, null)
        .handler(this::merge);
    routes
        .guarded(routes.exact(HttpMethod.POST, "/admin/compaction"), Action.ADMIN, null)
        .handler(this::compaction);
    routes
        .guarded(
            routes.regex(HttpMethod.POST, "/admin/segments/([^/]+)/(move|split)"),
            Action.ADMIN,
            null)
        .handler(this::moveOrSplit);
  }

  private void moveOrSplit(RoutingContext ctx) {
    SegmentId id = segmentId(StreamPath.decode(ctx.pathParam("param0")), "segment id");
    String action = ctx.pathParam("param1");
    PlacementCommand command;
    if (action.equals("move")) {
      RequestChecks.allowParams(ctx, Set.of("to"));
      String to = ctx.queryParams().get("to");
      if (to == null || to.isEmpty()) {
        throw new Problem(ProblemType.INVALID_PARAMETER, "move needs ?to=<node id>");
      }
      command = new PlacementCommand.Move(id, to);
    } else {
      RequestChecks.allowParams(ctx, Set.of("at"));
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
    submit(ctx, command);
  }

  private void merge(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of("a", "b"));
    SegmentId a = segmentId(ctx.queryParams().get("a"), "a");
    SegmentId b = segmentId(ctx.queryParams().get("b"), "b");
    submit(ctx, new PlacementCommand.Merge(a, b));
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

  /** Sends the command; answers the placement version it brought and the segments it created. */
  private void submit(RoutingContext ctx, PlacementCommand command) {
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
                throw Failures.rejected(r);
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
        .whenComplete((answer, error) -> Responses.send(ctx, answer, error));
  }

  /** {@code POST /admin/compaction}: one compaction pass now, answered with what it did. */
  private void compaction(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of());
    node.compact()
        .handle(
            (report, error) -> {
              if (error != null) {
                Throwable cause = Failures.unwrap(error);
                if (cause instanceof CompactionRunningException) {
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
        .whenComplete((answer, error) -> Responses.send(ctx, answer, error));
  }
}
