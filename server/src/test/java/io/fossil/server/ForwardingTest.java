package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two-node clusters: with forwarding on, a node that does not own the stream sends the append on
 * itself; a node that leaves hands its segments to the other.
 */
class ForwardingTest {

  @TempDir Path data;

  @Test
  void aNonOwnerForwardsTheAppendAndRelaysTheOwnersAnswer() throws Exception {
    try (DevCluster cluster =
        DevCluster.start(
            new DevCluster.Options(
                data,
                "127.0.0.1",
                Ports.freeRun(2),
                Ports.freeRun(2),
                2,
                4,
                Duration.ofSeconds(5),
                true,
                null),
            Duration.ofSeconds(60))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.nodes().stream().allMatch(n -> n.notReadyReason() == null));
      Http http = new Http();
      String stream =
          java.util.stream.IntStream.range(0, 1000)
              .mapToObj(i -> UUID.randomUUID().toString().replace("-", "") + "-1")
              .filter(
                  s ->
                      !cluster
                          .nodes()
                          .get(0)
                          .view()
                          .openSegmentFor(s)
                          .orElseThrow()
                          .owner()
                          .equals("n1"))
              .findFirst()
              .orElseThrow();
      String url = cluster.urls().get(0) + "/streams/" + stream;
      Http.Response created = http.post(url, "application/json", Http.event("A", "1"), false);
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      assertThat(created.location()).isNull();
      String conflict = "{\"expectedPosition\":5,\"events\":[{\"type\":\"B\",\"data\":2}]}";
      Http.Response refused = http.post(url, "application/json", conflict, false);
      assertThat(refused.status()).isEqualTo(409);
      assertThat(refused.contentType()).isEqualTo("application/problem+json");
      assertThat(refused.json().get("actualPosition").asLong()).isZero();
    }
  }

  @Test
  void aLeavingNodeHandsItsSegmentsAwayAndAppendsContinueOnTheOther() throws Exception {
    try (DevCluster cluster =
        DevCluster.start(
            new DevCluster.Options(
                data,
                "127.0.0.1",
                Ports.freeRun(2),
                Ports.freeRun(2),
                2,
                4,
                Duration.ofSeconds(5),
                false,
                null),
            Duration.ofSeconds(60))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.nodes().stream().allMatch(n -> n.notReadyReason() == null));
      Node leaving = cluster.nodes().get(1);
      String stream =
          java.util.stream.IntStream.range(0, 1000)
              .mapToObj(i -> UUID.randomUUID().toString().replace("-", "") + "-1")
              .filter(s -> leaving.view().openSegmentFor(s).orElseThrow().owner().equals("n2"))
              .findFirst()
              .orElseThrow();
      Http http = new Http();
      String url = cluster.urls().get(0) + "/streams/" + stream;
      assertThat(http.post(url, "application/json", Http.event("A", "1"), true).status())
          .isEqualTo(201);

      assertThat(leaving.leave(Duration.ofSeconds(30)).get()).isTrue();

      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  cluster.nodes().get(0).view().segments().stream()
                      .filter(s -> s.isOpen())
                      .allMatch(s -> s.owner().equals("n1")));
      Http.Response next =
          http.post(
              url,
              "application/json",
              "{\"expectedPosition\":0,\"events\":[{\"type\":\"B\",\"data\":2}]}",
              true);
      assertThat(next.status()).as(next.body()).isEqualTo(201);
      assertThat(next.json().get("position").asLong()).isEqualTo(1);
      assertThat(http.get(url).json().get("events").findValuesAsText("type"))
          .containsExactly("A", "B");
    }
  }
}
