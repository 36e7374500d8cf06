package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.Segment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live tails over real HTTP against three real nodes: a reader that disconnects and resumes with
 * {@code Last-Event-ID} (on another node) loses nothing and repeats nothing, while the segment
 * holding its streams moves to another owner in the middle.
 */
class LiveTailTest {

  @TempDir Path data;
  final Http http = new Http();

  @Test
  void resumingWithLastEventIdLosesNothingAndRepeatsNothing() throws Exception {
    try (DevCluster cluster = TestClusters.start(data, 3, 4, false, null)) {
      List<String> urls = cluster.urls();
      List<String> streams = List.of("tail-1", "tail-2", "tail-3", "other-1");
      Map<String, Integer> appended = new HashMap<>();

      Sse first = Sse.open(urls.get(1) + "/events/live?category=tail", null);
      assertThat(first.status()).isEqualTo(200);
      appendRound(urls.get(0), streams, 0, 10, appended);
      await().atMost(Duration.ofSeconds(30)).until(() -> first.events.size() >= 15);
      first.close();
      List<Sse.Event> seen = new ArrayList<>(first.events);
      String resumeFrom = first.lastId();

      // While nobody listens: more appends, and the segment of the tail streams moves.
      appendRound(urls.get(0), streams, 10, 20, appended);
      Segment s = cluster.nodes().get(0).view().openSegmentFor("tail-1").orElseThrow();
      String to = s.owner().equals("n3") ? "n2" : "n3";
      Http.Response moved =
          http.post(
              urls.get(0) + "/admin/segments/" + s.id() + "/move?to=" + to,
              "application/json",
              "",
              false);
      assertThat(moved.status()).as(moved.body()).isEqualTo(200);
      appendRound(urls.get(0), streams, 20, 30, appended);

      int expected = 3 * 30;
      try (Sse second = Sse.open(urls.get(2) + "/events/live?category=tail", resumeFrom)) {
        assertThat(second.status()).isEqualTo(200);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> seen.size() + second.events.size() >= expected);
        seen.addAll(second.events);
        assertThat(second.errors).isEmpty();
      }

      Set<String> unique = new HashSet<>();
      Map<String, Long> next = new HashMap<>();
      for (Sse.Event e : seen) {
        String stream = e.data().get("stream").asText();
        long position = e.data().get("position").asLong();
        assertThat(stream).startsWith("tail-");
        assertThat(unique.add(stream + "@" + position))
            .as("repeated: %s@%s", stream, position)
            .isTrue();
        assertThat(position).as("order of %s", stream).isEqualTo(next.getOrDefault(stream, 0L));
        next.put(stream, position + 1);
        assertThat(e.id()).isNotBlank();
      }
      assertThat(seen).hasSize(expected);
      for (String stream : List.of("tail-1", "tail-2", "tail-3")) {
        assertThat(next.get(stream)).isEqualTo((long) appended.get(stream));
      }
    }
  }

  @Test
  void aPageReadAndItsCursorContinueWhereTheyStopped() throws Exception {
    try (DevCluster cluster = TestClusters.start(data, 2, 4, false, null)) {
      String url = cluster.urls().get(0);
      Map<String, Integer> appended = new HashMap<>();
      appendRound(url, List.of("page-1", "page-2", "zzz-1"), 0, 7, appended);
      Set<String> seen = new HashSet<>();
      String cursor = null;
      for (int round = 0; round < 50; round++) {
        Http.Response r =
            http.get(
                cluster.urls().get(round % 2)
                    + "/events?prefix=page-&limit=3"
                    + (cursor == null ? "" : "&after=" + cursor));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        cursor = r.json().get("cursor").asText();
        if (r.json().get("events").isEmpty()) {
          break;
        }
        r.json()
            .get("events")
            .forEach(
                e -> {
                  assertThat(e.get("stream").asText()).startsWith("page-");
                  String key = e.get("stream").asText() + "@" + e.get("position").asLong();
                  assertThat(seen.add(key)).as("repeated %s", key).isTrue();
                  Http.Response order =
                      http.get(
                          url
                              + "/positions/compare?a="
                              + e.get("globalPosition").asText()
                              + "&b="
                              + e.get("globalPosition").asText());
                  assertThat(order.json().get("order").asText()).isEqualTo("equal");
                });
      }
      assertThat(seen).hasSize(14);
      // From the end: nothing until something new is appended.
      Http.Response end = http.get(url + "/events?after=end&prefix=page-");
      String endCursor = end.json().get("cursor").asText();
      assertThat(end.json().get("events")).isEmpty();
      appendRound(url, List.of("page-3"), 0, 1, appended);
      Http.Response fresh = http.get(url + "/events?prefix=page-&after=" + endCursor);
      assertThat(fresh.json().get("events")).hasSize(1);
      assertThat(fresh.json().get("events").get(0).get("stream").asText()).isEqualTo("page-3");
      Http.Response before =
          http.get(
              url
                  + "/positions/compare?a="
                  + endCursor
                  + "&b="
                  + fresh.json().get("cursor").asText());
      assertThat(before.json().get("order").asText()).isEqualTo("before");

      // A live tail with an empty ?after= starts now, as one without it does (page-1..3 exist).
      try (Sse live = Sse.open(url + "/events/live?prefix=page-&after=", null)) {
        assertThat(live.status()).isEqualTo(200);
        appendRound(url, List.of("page-4"), 0, 1, appended);
        await().atMost(Duration.ofSeconds(30)).until(() -> !live.events.isEmpty());
        assertThat(live.events.get(0).data().get("stream").asText()).isEqualTo("page-4");
      }
    }
  }

  private void appendRound(
      String url, List<String> streams, int from, int to, Map<String, Integer> appended) {
    for (int i = from; i < to; i++) {
      for (String stream : streams) {
        Http.Response r =
            http.post(
                url + "/streams/" + stream, "application/json", Http.event("E", "" + i), true);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        appended.merge(stream, 1, Integer::sum);
      }
    }
  }
}
