package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three nodes in one process on RocksDB, driven over real HTTP with the JDK client. */
class ClusterEndToEndTest {

  @RegisterExtension static final SharedCluster cluster = new SharedCluster(3, 8);
  final Http http = new Http();

  static PlacementView view() {
    return cluster.view();
  }

  static String owner(String stream) {
    return TestClusters.owner(cluster.get(), stream);
  }

  static String streamNotOwnedByN1(String prefix) {
    return TestClusters.streamOwned(cluster.get(), prefix, owner -> !owner.equals("n1"));
  }

  static String urlOf(String nodeId) {
    return cluster.urls().get(Integer.parseInt(nodeId.substring(1)) - 1);
  }

  @Test
  void anAppendToANonOwnerIsRedirectedToTheOwnerAndCommitsThere() {
    String stream = streamNotOwnedByN1("orders");
    Http.Response redirect =
        http.post(
            cluster.urls().get(0) + "/streams/" + stream,
            "application/json",
            Http.event("Placed", "{\"n\":1}"),
            false);
    assertThat(redirect.status()).isEqualTo(307);
    assertThat(redirect.location())
        .startsWith(urlOf(owner(stream)) + "/streams/" + stream + "?pv=");

    Http.Response created =
        http.post(
            redirect.location(), "application/json", Http.event("Placed", "{\"n\":1}"), false);
    assertThat(created.status()).isEqualTo(201);
    JsonNode body = created.json();
    assertThat(body.get("stream").asText()).isEqualTo(stream);
    assertThat(body.get("firstPosition").asLong()).isZero();
    assertThat(body.get("position").asLong()).isZero();
    // Other tests may have written to the same segment, so the counter is not known in advance.
    String segment = view().openSegmentFor(stream).orElseThrow().id().toString();
    String global = body.get("globalPosition").asText();
    assertThat(global).matches(java.util.regex.Pattern.quote(segment) + "@\\d+");

    for (String url : cluster.urls()) {
      JsonNode page = http.get(url + "/streams/" + stream).json();
      assertThat(page.get("position").asLong()).isZero();
      assertThat(page.get("events")).hasSize(1);
      JsonNode event = page.get("events").get(0);
      assertThat(event.get("type").asText()).isEqualTo("Placed");
      assertThat(event.get("data").get("n").asInt()).isEqualTo(1);
      assertThat(event.get("globalPosition").asText()).isEqualTo(global);
    }
  }

  @Test
  void theJdkClientFollowsTheRedirectAndResendsTheBody() {
    String stream = streamNotOwnedByN1("follow");
    Http.Response r =
        http.post(
            cluster.urls().get(0) + "/streams/" + stream,
            "application/json",
            Http.event("A", "[1,2]"),
            true);
    assertThat(r.status()).isEqualTo(201);
    assertThat(
            http.get(cluster.urls().get(2) + "/streams/" + stream)
                .json()
                .get("events")
                .get(0)
                .get("data")
                .toString())
        .isEqualTo("[1,2]");
  }

  @Test
  void aWrongExpectedPositionIsAConflictCitingTheActualPosition() {
    String stream = "conflict-" + UUID.randomUUID();
    String url = urlOf(owner(stream)) + "/streams/" + stream;
    String first = "{\"expectedPosition\":-1,\"events\":[{\"type\":\"A\",\"data\":1}]}";
    assertThat(http.post(url, "application/json", first, true).status()).isEqualTo(201);
    Http.Response conflict = http.post(url, "application/json", first, true);
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.contentType()).isEqualTo("application/problem+json");
    assertThat(conflict.json().get("type").asText())
        .isEqualTo("urn:fossil:problem:wrong-expected-position");
    assertThat(conflict.json().get("expectedPosition").asLong()).isEqualTo(-1);
    assertThat(conflict.json().get("actualPosition").asLong()).isZero();
    String second = "{\"expectedPosition\":0,\"events\":[{\"type\":\"B\",\"data\":2}]}";
    assertThat(http.post(url, "application/json", second, true).json().get("position").asLong())
        .isEqualTo(1);
  }

  @Test
  void anIdempotentRetryAnswers200WithTheOriginalPositions() {
    String stream = "retry-" + UUID.randomUUID();
    String url = cluster.urls().get(0) + "/streams/" + stream;
    String body =
        "{\"events\":[{\"id\":\"e1\",\"type\":\"A\",\"data\":1},{\"id\":\"e2\",\"type\":\"B\",\"data\":2}]}";
    Http.Response first = http.post(url, "application/json", body, true);
    assertThat(first.status()).isEqualTo(201);
    http.post(url, "application/json", Http.event("C", "3"), true);
    Http.Response retry = http.post(url, "application/json", body, true);
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.json()).isEqualTo(first.json());
    assertThat(http.get(url).json().get("position").asLong()).isEqualTo(2);

    String changed = body.replace("\"data\":2", "\"data\":99");
    Http.Response reuse = http.post(url, "application/json", changed, true);
    assertThat(reuse.status()).isEqualTo(409);
    assertThat(reuse.json().get("type").asText())
        .isEqualTo("urn:fossil:problem:idempotency-conflict");
  }

  /** What {@link #numbersInDataAndMetadataKeepTheirExactValue} sends and expects back. */
  static final String EXACT_NUMBERS =
      "{\"money\":12345678901234567.89,\"tiny\":1.00000000000000000001,\"huge\":1e400,"
          + "\"scaled\":1.50,\"big\":123456789012345678901234567890}";

  @Test
  void numbersInDataAndMetadataKeepTheirExactValue() throws Exception {
    String stream = "exact-" + UUID.randomUUID();
    String url = cluster.urls().get(0) + "/streams/" + stream;
    String body =
        "{\"events\":[{\"type\":\"Priced\",\"data\":"
            + EXACT_NUMBERS
            + ",\"metadata\":"
            + EXACT_NUMBERS
            + "}]}";
    assertThat(http.post(url, "application/json", body, true).status()).isEqualTo(201);

    JsonNode event = EXACT.readTree(http.get(url).body()).get("events").get(0);
    JsonNode sent = EXACT.readTree(EXACT_NUMBERS);
    for (String part : new String[] {"data", "metadata"}) {
      for (String field : new String[] {"money", "tiny", "huge", "scaled", "big"}) {
        assertThat(event.get(part).get(field).decimalValue())
            .as(part + "." + field)
            .isEqualByComparingTo(sent.get(field).decimalValue());
      }
      assertThat(event.get(part).get("scaled").asText()).isEqualTo("1.50");
    }
  }

  /** Reads numbers as exact decimals, as a client that cares about them would. */
  static final com.fasterxml.jackson.databind.ObjectMapper EXACT =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(
              com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  @Test
  void aStreamNameWithSlashesRoundTrips() {
    String stream = "user/" + UUID.randomUUID() + "/cart";
    Http.Response r =
        http.post(
            cluster.urls().get(1) + "/streams/" + stream,
            "application/json",
            Http.event("Added", "{}"),
            true);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().get("stream").asText()).isEqualTo(stream);
    JsonNode page =
        http.get(cluster.urls().get(2) + "/streams/" + stream.replace("/", "%2F")).json();
    assertThat(page.get("stream").asText()).isEqualTo(stream);
    assertThat(page.get("events").get(0).get("stream").asText()).isEqualTo(stream);
  }

  @Test
  void readsGoBackwardsAndAnEmptyStreamIsAtMinusOne() {
    String stream = "back-" + UUID.randomUUID();
    String url = cluster.urls().get(0) + "/streams/" + stream;
    JsonNode empty = http.get(url).json();
    assertThat(empty.get("position").asLong()).isEqualTo(-1);
    assertThat(empty.get("events")).isEmpty();
    for (int i = 0; i < 5; i++) {
      http.post(url, "application/json", Http.event("E" + i, Integer.toString(i)), true);
    }
    JsonNode last = http.get(url + "?direction=backward&limit=1").json();
    assertThat(last.get("events")).hasSize(1);
    assertThat(last.get("events").get(0).get("position").asLong()).isEqualTo(4);
    JsonNode middle = http.get(url + "?direction=backward&from=2&limit=2").json();
    assertThat(middle.get("events").findValuesAsText("type")).containsExactly("E2", "E1");
    JsonNode forward = http.get(url + "?from=3").json();
    assertThat(forward.get("events").findValuesAsText("type")).containsExactly("E3", "E4");
  }

  @Test
  void movingASegmentSealsItAndTheNewOwnerContinuesThePositions() {
    String stream = "moved-" + UUID.randomUUID();
    String url = cluster.urls().get(0) + "/streams/" + stream;
    http.post(url, "application/json", Http.event("A", "1"), true);
    http.post(url, "application/json", Http.event("B", "2"), true);
    Segment before = view().openSegmentFor(stream).orElseThrow();
    String target = before.owner().equals("n2") ? "n3" : "n2";

    Http.Response moved =
        http.post(
            cluster.urls().get(0) + "/admin/segments/" + before.id() + "/move?to=" + target,
            "application/json",
            "",
            false);
    assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    assertThat(moved.json().get("created")).hasSize(1);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster.nodes().stream()
                    .allMatch(
                        n -> n.view().openSegmentFor(stream).orElseThrow().owner().equals(target)));

    Http.Response third =
        http.post(
            url,
            "application/json",
            "{\"expectedPosition\":1,\"events\":[{\"type\":\"C\",\"data\":3}]}",
            true);
    assertThat(third.status()).as(third.body()).isEqualTo(201);
    assertThat(third.json().get("position").asLong()).isEqualTo(2);
    assertThat(third.json().get("globalPosition").asText())
        .doesNotStartWith(before.id().toString());
    assertThat(http.get(url).json().get("events").findValuesAsText("type"))
        .containsExactly("A", "B", "C");
    // The new owner sealed the old segment in the store and reported its final counter.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> view().segment(before.id()).orElseThrow().finalCounter() >= 1);
  }

  @Test
  void healthClusterAndMetricsAnswer() {
    assertThat(http.get(cluster.urls().get(0) + "/health/live").status()).isEqualTo(200);
    assertThat(http.get(cluster.urls().get(1) + "/health/ready").status()).isEqualTo(200);
    JsonNode c = http.get(cluster.urls().get(2) + "/cluster").json();
    assertThat(c.get("members")).hasSize(3);
    assertThat(c.get("segments").size()).isGreaterThanOrEqualTo(8);
    http.post(
        cluster.urls().get(0) + "/streams/metrics-" + UUID.randomUUID(),
        "application/json",
        Http.event("A", "1"),
        true);
    Http.Response metrics = http.get(cluster.urls().get(0) + "/metrics");
    assertThat(metrics.contentType()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("fossil_http_appends_seconds_count")
        .contains("jvm_memory_used_bytes");
  }
}
