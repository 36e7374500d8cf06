package io.fossil.router;

import com.fasterxml.jackson.core.JsonGenerator;
import io.fossil.placement.Member;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.SegmentId;
import io.fossil.security.Action;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a node says about the cluster and itself: {@code GET /cluster} (this node's placement),
 * {@code /health/live}, {@code /health/ready} (503 {@code not-ready} with the reason) and {@code
 * /metrics} (Prometheus text). Each answers at once from what the node holds.
 */
final class ClusterApi {

  private final NodeServices node;
  private final String scheme;

  /**
   * @param scheme of this cluster's HTTP addresses ({@code https} with TLS): every node of a
   *     cluster runs the same
   */
  ClusterApi(NodeServices node, String scheme) {
    this.node = node;
    this.scheme = scheme;
  }

  /**
   * @param metrics whether this listener serves {@code /metrics}
   */
  void register(Routes routes, boolean metrics) {
    // The cluster view names members, addresses and incarnations: cluster internals (admin).
    routes
        .guarded(routes.exact(HttpMethod.GET, "/cluster"), Action.ADMIN, null)
        .handler(this::cluster);
    routes.exact(HttpMethod.GET, "/health/live").handler(this::live);
    routes.exact(HttpMethod.GET, "/health/ready").handler(this::ready);
    if (metrics) {
      routes
          .guarded(routes.exact(HttpMethod.GET, "/metrics"), Action.METRICS, null)
          .handler(this::metrics);
    }
  }

  private void cluster(RoutingContext ctx) {
    RequestChecks.allowParams(ctx, Set.of());
    PlacementView v = node.view();
    Responses.send(ctx, Answer.json(200, g -> writeCluster(g, v)), null);
  }

  private void writeCluster(JsonGenerator g, PlacementView v) throws IOException {
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
      g.writeStringField("url", scheme + "://" + m.httpAddress());
      g.writeStringField("raftAddress", m.raftAddress());
      g.writeStringField("leaseDeadline", Instant.ofEpochMilli(m.leaseDeadline()).toString());
      g.writeBooleanField("leaving", m.leaving());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("segments");
    for (Segment s : v.segments()) {
      writeSegment(g, s);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeSegment(JsonGenerator g, Segment s) throws IOException {
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

  private void live(RoutingContext ctx) {
    Responses.send(ctx, Answer.json(200, g -> status(g, "up")), null);
  }

  private void ready(RoutingContext ctx) {
    String reason = node.notReadyReason();
    if (reason != null) {
      throw new Problem(ProblemType.NOT_READY, reason).retryAfter(1);
    }
    Optional<String> warning = node.warning();
    Responses.send(
        ctx,
        Answer.json(
            200,
            g -> {
              g.writeStartObject();
              g.writeStringField("status", "ready");
              if (warning.isPresent()) {
                g.writeStringField("warning", warning.get());
              }
              g.writeEndObject();
            }),
        null);
  }

  private static void status(JsonGenerator g, String status) throws IOException {
    g.writeStartObject();
    g.writeStringField("status", status);
    g.writeEndObject();
  }

  private void metrics(RoutingContext ctx) {
    Responses.send(
        ctx,
        new Answer(
            200,
            Buffer.buffer(node.registry().scrape()),
            "text/plain; version=0.0.4; charset=utf-8",
            Map.of()),
        null);
  }
}
