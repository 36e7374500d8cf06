package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.Voters.Role;
import io.fossil.placement.VotersReply;
import io.fossil.placement.VotersReply.Code;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code GET} and {@code POST /admin/voters} over the fake node: the JSON shapes, every refusal's
 * status and problem type, and that a malformed body reaches no placement call (ADR 29).
 */
class VotersApiTest extends ApiTestServer {

  private static final Voters THREE =
      new Voters(
          "n1",
          false,
          List.of(
              new Voters.Voter("n1", "h1:7081", Role.LEADER, 42, 0, true),
              new Voters.Voter("n2", "h2:7081", Role.FOLLOWER, 41, 120, true),
              new Voters.Voter("n3", "h3:7081", Role.FOLLOWER, 12, 9000, false)),
          List.of());

  @Test
  void getAnswersTheLeadersView() {
    node.voters = () -> CompletableFuture.completedFuture(THREE);

    Response r = get("/admin/voters");

    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode v = r.json();
    assertThat(v.path("leader").asText()).isEqualTo("n1");
    assertThat(v.path("changing").asBoolean()).isFalse();
    assertThat(v.path("voters")).hasSize(3);
    JsonNode n3 = v.path("voters").get(2);
    assertThat(n3.path("id").asText()).isEqualTo("n3");
    assertThat(n3.path("address").asText()).isEqualTo("h3:7081");
    assertThat(n3.path("role").asText()).isEqualTo("follower");
    assertThat(n3.path("commitIndex").asLong()).isEqualTo(12);
    assertThat(n3.path("lastContactMillis").asLong()).isEqualTo(9000);
    assertThat(n3.path("healthy").asBoolean()).isFalse();
    assertThat(v.path("listeners")).isEmpty();
  }

  @Test
  void eachOperationOfTheBodyBecomesItsChange() {
    node.changeVoters = c -> CompletableFuture.completedFuture(new VotersReply.Changed(THREE));

    assertThat(postJson("/admin/voters", "{\"replace\": \"n3\"}").status()).isEqualTo(200);
    assertThat(postJson("/admin/voters", "{\"remove\": [\"n3\"]}").status()).isEqualTo(200);
    assertThat(postJson("/admin/voters", "{\"add\": {\"n4\": \"h4:7081\", \"n5\": null}}").status())
        .isEqualTo(200);
    assertThat(postJson("/admin/voters", "{\"add\": [\"n4=h4:7081\", \"n5\"]}").status())
        .isEqualTo(200);
    Response set = postJson("/admin/voters", "{\"voters\": {\"n1\": null, \"n2\": null}}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().path("voters")).hasSize(3);

    Map<String, Optional<String>> added =
        new java.util.LinkedHashMap<>(Map.of("n4", Optional.of("h4:7081")));
    added.put("n5", Optional.empty());
    Map<String, Optional<String>> kept = new java.util.LinkedHashMap<>();
    kept.put("n1", Optional.empty());
    kept.put("n2", Optional.empty());
    assertThat(node.voterChanges)
        .containsExactly(
            new VoterChange.Replace("n3"),
            new VoterChange.Remove(List.of("n3")),
            new VoterChange.Add(added),
            new VoterChange.Add(added),
            new VoterChange.SetTo(kept));
  }

  @Test
  void aMalformedBodyIs400AndAsksNothing() {
    for (String body :
        List.of(
            "[]",
            "{}",
            "{\"remove\": [\"n1\"], \"replace\": \"n2\"}",
            "{\"remove\": \"n1\"}",
            "{\"remove\": []}",
            "{\"replace\": 7}",
            "{\"replace\": \"n 1\"}",
            "{\"add\": {\"n4\": \"no-port\"}}",
            "{\"add\": {\"n4\": 7}}",
            "{\"add\": [\"n4\", \"n4\"]}")) {
      postJson("/admin/voters", body).problem(400, ProblemType.INVALID_FIELD);
    }
    postJson("/admin/voters", "{\"promote\": \"n1\"}").problem(400, ProblemType.UNKNOWN_FIELD);
    assertThat(node.voterChanges).isEmpty();
  }

  @Test
  void everyRefusalHasItsProblemTypeAndCode() throws IOException {
    Map<Code, ProblemType> expected =
        Map.of(
            Code.INVALID, ProblemType.INVALID_FIELD,
            Code.UNKNOWN_VOTER, ProblemType.UNKNOWN_VOTER,
            Code.UNCHANGED, ProblemType.VOTERS_UNCHANGED,
            Code.TOO_MANY_NEW, ProblemType.TOO_MANY_NEW_VOTERS,
            Code.NO_LIVE_MAJORITY, ProblemType.NO_LIVE_MAJORITY,
            Code.CHANGING, ProblemType.VOTERS_CHANGING,
            Code.NOT_CAUGHT_UP, ProblemType.VOTER_NOT_CAUGHT_UP,
            Code.NOT_A_VOTER, ProblemType.NOT_A_VOTER);
    assertThat(expected).hasSize(Code.values().length);
    for (Map.Entry<Code, ProblemType> e : expected.entrySet()) {
      node.changeVoters =
          c -> CompletableFuture.completedFuture(new VotersReply.Refused(e.getKey(), "why"));
      Response r = postJson("/admin/voters", "{\"remove\": [\"n2\"]}");
      JsonNode p = r.problem(e.getValue().status(), e.getValue());
      assertThat(p.path("code").asText()).isEqualTo(e.getKey().name());
      assertThat(p.path("detail").asText()).isEqualTo("why");
      if (e.getKey() == Code.CHANGING) {
        assertThat(r.raw().headers().firstValue("Retry-After")).contains("1");
      }
    }
  }

  @Test
  void aGroupWithoutALeaderIs503() {
    node.voters =
        () -> CompletableFuture.failedFuture(new IOException("no placement voter answered"));
    node.changeVoters =
        c -> CompletableFuture.failedFuture(new IOException("no placement voter answered"));

    get("/admin/voters").problem(503, ProblemType.PLACEMENT_UNAVAILABLE);
    postJson("/admin/voters", "{\"replace\": \"n3\"}")
        .problem(503, ProblemType.PLACEMENT_UNAVAILABLE);
  }
}
