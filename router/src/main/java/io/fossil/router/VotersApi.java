package io.fossil.router;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply;
import io.fossil.security.Action;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The placement group's voters (ADR 29), for operators with the {@code admin} permission: {@code
 * GET /admin/voters} answers the Raft configuration as its leader sees it; {@code POST
 * /admin/voters} changes it, with a JSON body holding exactly one of
 *
 * <ul>
 *   <li>{@code {"add": {"n4": "host:port", "n5": null}}}: add voters (a null address: the one this
 *       node knows from its own voter list);
 *   <li>{@code {"remove": ["n2"]}}: remove voters;
 *   <li>{@code {"replace": "n2"}}: remove a voter whose Raft storage is lost and, once its node
 *       runs again with an empty Raft directory, add it back under the same id (waits up to 30 s
 *       for that);
 *   <li>{@code {"voters": {"n1": null, "n2": null, "n4": "host:port"}}}: exactly these voters.
 * </ul>
 *
 * A change answers 200 with the voters afterwards (the shape of the GET). A refusal changes nothing
 * and is a problem: 400 {@code invalid-field}, 404 {@code unknown-voter}, 409 {@code
 * voters-unchanged}, {@code no-live-majority}, {@code too-many-new-voters}, {@code voters-changing}
 * (retry), {@code voter-not-caught-up} (for a replace: the voter was removed and not added back),
 * {@code not-a-voter} (ask a voter); 503 {@code placement-unavailable} when no leader answers.
 */
final class VotersApi {

  private static final String PATH = "/admin/voters";
  private static final Set<String> OPERATIONS = Set.of("add", "remove", "replace", "voters");

  private final NodeServices node;
  private final AppendBody json;

  VotersApi(NodeServices node, AppendBody json) {
    this.node = node;
    this.json = json;
  }

  void register(Routes routes) {
    routes.guarded(routes.exact(HttpMethod.GET, PATH), Action.ADMIN, null).handler(this::get);
    routes
        .guarded(routes.jsonRegex(HttpMethod.POST, PATH + "/?"), Action.ADMIN, null)
        .handler(this::post);
  }

  private void get(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of());
    unavailableIfFailed(node.voters())
        .thenApply(v -> Answer.json(200, g -> write(g, v)))
        .whenComplete((answer, error) -> Responses.send(ctx, answer, error));
  }

  private void post(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of());
    RequestChecks.requireJson(ctx);
    VoterChange change = change(ctx.body().buffer());
    unavailableIfFailed(node.changeVoters(change))
        .thenApply(
            reply -> {
              if (reply instanceof VotersReply.Refused r) {
                throw refused(r);
              }
              Voters after = ((VotersReply.Changed) reply).voters();
              return Answer.json(200, g -> write(g, after));
            })
        .whenComplete((answer, error) -> Responses.send(ctx, answer, error));
  }

  /** The change the body asks for; a 400 for anything else. */
  VoterChange change(Buffer body) {
    JsonNode root = json.readTree(body == null ? new byte[0] : body.getBytes());
    if (root == null || !root.isObject() || root.size() != 1) {
      throw invalid(
          "the body must be a JSON object with exactly one of add, remove, replace or voters,"
              + " such as {\"add\": {\"n4\": \"host:7081\"}} or {\"replace\": \"n2\"}");
    }
    AppendBody.checkFields(root, OPERATIONS, "");
    String op = root.fieldNames().next();
    JsonNode value = root.get(op);
    try {
      return switch (op) {
        case "add" -> new VoterChange.Add(voters(value, "add"));
        case "voters" -> new VoterChange.SetTo(voters(value, "voters"));
        case "remove" -> new VoterChange.Remove(ids(value));
        default -> {
          if (!value.isTextual()) {
            throw invalid("'replace' must be a node id, such as \"n2\"");
          }
          yield new VoterChange.Replace(value.asText());
        }
      };
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  /** An object id → address (or null), or an array of ids and {@code id=host:port} strings. */
  private static Map<String, Optional<String>> voters(JsonNode value, String field) {
    Map<String, Optional<String>> voters = new LinkedHashMap<>();
    if (value.isObject()) {
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        JsonNode address = e.getValue();
        if (!address.isNull() && !address.isTextual()) {
          throw invalid("'" + field + "." + e.getKey() + "' must be a Raft address or null");
        }
        voters.put(e.getKey(), address.isNull() ? Optional.empty() : Optional.of(address.asText()));
      }
      return voters;
    }
    if (value.isArray()) {
      for (JsonNode item : value) {
        if (!item.isTextual()) {
          throw invalid("'" + field + "' lists node ids or id=host:port strings");
        }
        String[] parts = item.asText().split("=", 2);
        if (voters.put(parts[0], parts.length == 2 ? Optional.of(parts[1]) : Optional.empty())
            != null) {
          throw invalid("'" + field + "' names " + parts[0] + " twice");
        }
      }
      return voters;
    }
    throw invalid(
        "'" + field + "' must be an object of node id to Raft address (or null), or an array");
  }

  private static List<String> ids(JsonNode value) {
    if (!value.isArray()) {
      throw invalid("'remove' must be an array of node ids, such as [\"n2\"]");
    }
    List<String> ids = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw invalid("'remove' must be an array of node ids, such as [\"n2\"]");
      }
      ids.add(item.asText());
    }
    return ids;
  }

  private static Problem invalid(String detail) {
    return new Problem(ProblemType.INVALID_FIELD, detail);
  }

  static Problem refused(VotersReply.Refused r) {
    ProblemType type =
        switch (r.code()) {
          case INVALID -> ProblemType.INVALID_FIELD;
          case UNKNOWN_VOTER -> ProblemType.UNKNOWN_VOTER;
          case UNCHANGED -> ProblemType.VOTERS_UNCHANGED;
          case TOO_MANY_NEW -> ProblemType.TOO_MANY_NEW_VOTERS;
          case NO_LIVE_MAJORITY -> ProblemType.NO_LIVE_MAJORITY;
          case CHANGING -> ProblemType.VOTERS_CHANGING;
          case NOT_CAUGHT_UP -> ProblemType.VOTER_NOT_CAUGHT_UP;
          case NOT_A_VOTER -> ProblemType.NOT_A_VOTER;
        };
    Problem p = new Problem(type, r.message()).with("code", r.code().name());
    return r.code() == VotersReply.Code.CHANGING ? p.retryAfter(1) : p;
  }

  private static <T> CompletableFuture<T> unavailableIfFailed(CompletableFuture<T> call) {
    return call.exceptionally(
        e -> {
          Throwable cause = Failures.unwrap(e);
          if (cause instanceof Problem p) {
            throw p;
          }
          throw new Problem(
                  ProblemType.PLACEMENT_UNAVAILABLE,
                  "the placement group's leader did not answer: " + cause.getMessage())
              .retryAfter(1);
        });
  }

  static void write(JsonGenerator g, Voters voters) throws IOException {
    g.writeStartObject();
    g.writeStringField("leader", voters.leader());
    g.writeBooleanField("changing", voters.changing());
    g.writeArrayFieldStart("voters");
    for (Voters.Voter v : voters.voters()) {
      write(g, v);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("listeners");
    for (Voters.Voter v : voters.listeners()) {
      write(g, v);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void write(JsonGenerator g, Voters.Voter v) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", v.id());
    g.writeStringField("address", v.address());
    g.writeStringField("role", v.role().name().toLowerCase(Locale.ROOT));
    g.writeNumberField("commitIndex", v.commitIndex());
    g.writeNumberField("lastContactMillis", v.lastContactMillis());
    g.writeBooleanField("healthy", v.healthy());
    g.writeEndObject();
  }
}
