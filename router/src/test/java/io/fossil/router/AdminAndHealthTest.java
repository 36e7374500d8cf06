package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.compaction.CompactionRunningException;
import io.fossil.compaction.Compactor;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.position.SegmentId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Admin commands, compaction, the cluster view and health, over the fake node. */
class AdminAndHealthTest extends ApiTestServer {

  static final SegmentId LEFT = new SegmentId(2, 0, 0x7fffffffffffffffL);
  static final SegmentId RIGHT = new SegmentId(3, 0x8000000000000000L, -1L);

  @Test
  void aSplitSendsTheCommandAndAnswersTheNewSegments() {
    node.placement =
        c -> CompletableFuture.completedFuture(new PlacementReply.Changed(8, List.of(LEFT, RIGHT)));

    Response r = postJson("/admin/segments/" + FakeNode.RING + "/split?at=8000000000000000", null);

    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    assertThat(r.json().path("version").asLong()).isEqualTo(8);
    assertThat(r.json().path("created").toString())
        .isEqualTo("[\"" + LEFT + "\",\"" + RIGHT + "\"]");
    assertThat(node.submitted)
        .containsExactly(new PlacementCommand.Split(FakeNode.RING, 0x8000000000000000L));
  }

  @Test
  void aCommandThePlacementGroupRefusesIs409WithItsCode() {
    node.placement =
        c ->
            CompletableFuture.completedFuture(
                new PlacementReply.Rejected(PlacementReply.Code.NOT_ADJACENT, "not adjacent"));

    Response r = postJson("/admin/segments/merge?a=" + LEFT + "&b=" + RIGHT, null);

    JsonNode p = r.problem(409, ProblemType.PLACEMENT_REJECTED);
    assertThat(p.path("code").asText()).isEqualTo("NOT_ADJACENT");
    assertThat(p.path("detail").asText()).isEqualTo("not adjacent");
    assertThat(node.submitted).containsExactly(new PlacementCommand.Merge(LEFT, RIGHT));
  }

  @Test
  void anUnknownSegmentIs404WithItsCode() {
    node.placement =
        c ->
            CompletableFuture.completedFuture(
                new PlacementReply.Rejected(PlacementReply.Code.UNKNOWN_SEGMENT, "no such"));

    Response r = postJson("/admin/segments/" + LEFT + "/move?to=n2", null);

    assertThat(r.problem(404, ProblemType.UNKNOWN_SEGMENT).path("code").asText())
        .isEqualTo("UNKNOWN_SEGMENT");
    assertThat(node.submitted).containsExactly(new PlacementCommand.Move(LEFT, "n2"));
  }

  @Test
  void aBadSplitPointIs400InvalidParameter() {
    node.placement =
        c ->
            CompletableFuture.completedFuture(
                new PlacementReply.Rejected(PlacementReply.Code.BAD_SPLIT_POINT, "outside"));

    postJson("/admin/segments/" + FakeNode.RING + "/split?at=0", null)
        .problem(400, ProblemType.INVALID_PARAMETER);
  }

  @Test
  void aSplitBeyondTheSegmentCapIs409SegmentCapNamingTheCap() {
    node.placement =
        c ->
            CompletableFuture.completedFuture(
                new PlacementReply.Rejected(
                    PlacementReply.Code.SEGMENT_CAP,
                    "splitting x would open 1025 segments; this cluster's cap is 1024 open"
                        + " segments"));

    JsonNode p =
        postJson("/admin/segments/" + FakeNode.RING + "/split", null)
            .problem(409, ProblemType.SEGMENT_CAP);
    assertThat(p.path("code").asText()).isEqualTo("SEGMENT_CAP");
    assertThat(p.path("detail").asText()).contains("cap is 1024");
  }

  @Test
  void aPlacementGroupThatDoesNotAnswerIs503WithRetryAfter() {
    node.placement = c -> CompletableFuture.failedFuture(new TimeoutException("no leader"));

    Response r = postJson("/admin/segments/" + FakeNode.RING + "/move?to=n2", null);

    r.problem(503, ProblemType.PLACEMENT_UNAVAILABLE);
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void malformedAdminParametersAre400AndSendNothing() {
    postJson("/admin/segments/" + FakeNode.RING + "/move", null)
        .problem(400, ProblemType.INVALID_PARAMETER);
    postJson("/admin/segments/" + FakeNode.RING + "/split?at=xyz", null)
        .problem(400, ProblemType.INVALID_PARAMETER);
    postJson("/admin/segments/merge?a=1:0-f", null).problem(400, ProblemType.INVALID_PARAMETER);
    postJson("/admin/segments/nonsense/move?to=n2", null)
        .problem(400, ProblemType.INVALID_PARAMETER);
    postJson("/admin/segments/merge?a=" + LEFT + "&b=" + RIGHT + "&c=1", null)
        .problem(400, ProblemType.UNKNOWN_PARAMETER);
    assertThat(node.submitted).isEmpty();
  }

  @Test
  void aCompactionPassAnswersWhatItDid() {
    node.compaction =
        () ->
            CompletableFuture.completedFuture(
                new Compactor.Report(
                    List.of(LEFT),
                    2,
                    List.of("3:0-f: stale"),
                    4,
                    true,
                    Duration.ofMillis(12),
                    Duration.ofMillis(5)));

    Response r = postJson("/admin/compaction", null);

    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("compacted").toString()).isEqualTo("[\"" + LEFT + "\"]");
    assertThat(body.path("segmentsRetired").asInt()).isEqualTo(2);
    assertThat(body.path("refused").get(0).asText()).isEqualTo("3:0-f: stale");
    assertThat(body.path("cursorsRewritten").asInt()).isEqualTo(4);
    assertThat(body.path("more").asBoolean()).isTrue();
    assertThat(body.path("tookMillis").asLong()).isEqualTo(12);
    assertThat(body.path("throttledMillis").asLong()).isEqualTo(5);
  }

  @Test
  void aPassAlreadyRunningIs409CompactionRunning() {
    node.compaction =
        () ->
            CompletableFuture.<Compactor.Report>completedFuture(null)
                .thenCompose(x -> CompletableFuture.failedFuture(new CompactionRunningException()));

    Response r = postJson("/admin/compaction", null);

    JsonNode p = r.problem(409, ProblemType.COMPACTION_RUNNING);
    assertThat(p.path("detail").asText()).contains("already running");
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void anyOtherFailureOfAPassIs503NotCompactionRunning() {
    // Before, any IllegalStateException was answered 409 compaction-running.
    node.compaction =
        () -> CompletableFuture.failedFuture(new IllegalStateException("a bug inside the pass"));

    Response r = postJson("/admin/compaction", null);

    JsonNode p = r.problem(503, ProblemType.PLACEMENT_UNAVAILABLE);
    assertThat(p.path("detail").asText()).contains("a bug inside the pass");
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void readyIs200AndNotReadyIs503WithTheReason() {
    assertThat(get("/health/ready").json().path("status").asText()).isEqualTo("ready");
    node.notReadyReason = "no placement yet";

    Response r = get("/health/ready");

    JsonNode p = r.problem(503, ProblemType.NOT_READY);
    assertThat(p.path("detail").asText()).isEqualTo("no placement yet");
    assertThat(r.header("Retry-After")).isEqualTo("1");
    assertThat(get("/health/live").status()).isEqualTo(200);
  }

  @Test
  void theClusterViewIsTheNodesPlacement() {
    Response r = get("/cluster");

    assertThat(r.status()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("clusterId").asText()).isEqualTo(FakeNode.CLUSTER);
    assertThat(body.path("version").asLong()).isEqualTo(7);
    assertThat(body.path("servedBy").asText()).isEqualTo(FakeNode.SELF);
    assertThat(body.path("members")).hasSize(2);
    JsonNode segment = body.path("segments").get(0);
    assertThat(segment.path("id").asText()).isEqualTo(FakeNode.RING.toString());
    assertThat(segment.path("state").asText()).isEqualTo("OPEN");
    assertThat(segment.path("owner").asText()).isEqualTo(FakeNode.SELF);
  }

  @Test
  void metricsAreThePrometheusTextOfTheNodesRegistry() {
    Response r = get("/metrics");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
    assertThat(r.raw().body()).contains("fossil_http_redirects_total");
  }
}
