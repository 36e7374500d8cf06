package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
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
    try (DevCluster cluster = TestClusters.start(data, 2, 4, true, null)) {
      Http http = new Http();
      String stream = TestClusters.streamOwned(cluster, "f", owner -> !owner.equals("n1"));
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
    try (DevCluster cluster = TestClusters.start(data, 2, 4, false, null)) {
      Node leaving = cluster.nodes().get(1);
      String stream = TestClusters.streamOwned(cluster, "l", owner -> owner.equals("n2"));
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
