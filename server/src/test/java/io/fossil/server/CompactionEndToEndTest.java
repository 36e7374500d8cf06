package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.placement.Compaction;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.SegmentId;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compaction through the real nodes and HTTP (ADR 0021): a stream's segment moves twice, the three
 * sealed generations are compacted into one, and everything a client held from before keeps working
 * — old cursors resume exactly, stream reads and idempotent retries answer with positions in the
 * compacted segment, comparisons and consumer waits translate old positions, stored consumer
 * cursors are rewritten — until the translation grace has passed, when old ids get 410.
 */
class CompactionEndToEndTest {

  @RegisterExtension static final SharedCluster cluster = new SharedCluster(3, 4);
  final Http http = new Http();

  static PlacementView view() {
    return cluster.view();
  }

  /** A stream's history: its events' global positions and the cursor after each event. */
  record History(String stream, SegmentId first, List<String> positions, List<String> cursors) {}

  /**
   * Appends one event (id {@code e<i>}) per generation of the stream's segment, moving the segment
   * to another node between events, so the stream's events end up in {@code generations} segments
   * (the last one open). Waits until placement knows every sealed generation's end.
   */
  History build(String prefix, int generations) {
    // A category whose segment has no history yet, so this history is the stream's alone.
    String stream;
    do {
      stream = prefix + UUID.randomUUID().toString().substring(0, 6) + "-1";
    } while (!view().openSegmentFor(stream).orElseThrow().predecessors().isEmpty());
    String category = stream.substring(0, stream.indexOf('-'));
    SegmentId first = view().openSegmentFor(stream).orElseThrow().id();
    String name = stream;
    List<String> positions = new ArrayList<>();
    List<String> cursors = new ArrayList<>();
    String cursor = null;
    for (int i = 0; i < generations; i++) {
      Http.Response r =
          http.post(
              cluster.urls().get(0) + "/streams/" + stream,
              "application/json",
              "{\"events\":[{\"id\":\"e" + i + "\",\"type\":\"T\",\"data\":" + i + "}]}",
              true);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      positions.add(r.json().get("globalPosition").asText());
      JsonNode page =
          http.get(
                  cluster.urls().get(1)
                      + "/events?category="
                      + category
                      + "&limit=1"
                      + (cursor == null ? "" : "&after=" + cursor))
              .json();
      assertThat(page.get("events")).hasSize(1);
      cursor = page.get("cursor").asText();
      cursors.add(cursor);
      if (i < generations - 1) {
        Segment open = view().openSegmentFor(stream).orElseThrow();
        String to = open.owner().equals("n1") ? "n2" : "n1";
        Http.Response moved =
            http.post(
                cluster.urls().get(0) + "/admin/segments/" + open.id() + "/move?to=" + to,
                "application/json",
                "",
                false);
        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    cluster.nodes().stream()
                        .allMatch(
                            n -> n.view().openSegmentFor(name).orElseThrow().owner().equals(to)));
      }
    }
    // The successors' owners sealed the old generations and reported their ends.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                Compaction.runs(view().segments()).stream()
                    .anyMatch(run -> run.contains(first) && run.size() == generations - 1));
    return new History(stream, first, positions, cursors);
  }

  @Test
  void oldCursorsPositionsAndStoredCursorsKeepWorkingAfterCompaction() {
    History h = build("cmp", 4);
    String category = h.stream().substring(0, h.stream().indexOf('-'));
    // A read model stored the cursor after the second event (it names the second generation).
    String consumer = "rm-" + UUID.randomUUID().toString().substring(0, 8);
    Http.Response stored =
        put(cluster.urls().get(2) + "/consumers/" + consumer + "/cursor", h.cursors().get(1));
    assertThat(stored.status()).as(stored.body()).isEqualTo(200);

    Http.Response compacted =
        http.post(cluster.urls().get(2) + "/admin/compaction", "application/json", "", false);
    assertThat(compacted.status()).as(compacted.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    compacted.json().get("compacted").forEach(n -> ids.add(n.asText()));
    assertThat(ids).contains(h.first().toString());
    assertThat(compacted.json().get("segmentsRetired").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(compacted.json().get("cursorsRewritten").asInt()).isGreaterThanOrEqualTo(1);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                cluster.nodes().stream()
                    .allMatch(n -> n.view().segment(h.first()).orElseThrow().isCompacted()));
    Segment c = view().segment(h.first()).orElseThrow();
    assertThat(c.parts()).hasSize(3);
    JsonNode segment = null;
    for (JsonNode s : http.get(cluster.urls().get(1) + "/cluster").json().get("segments")) {
      if (s.get("id").asText().equals(h.first().toString())) {
        segment = s;
      }
    }
    assertThat(segment).isNotNull();
    assertThat(segment.get("compactedParts").asInt()).isEqualTo(3);

    // Every old cursor resumes exactly where it stopped.
    for (int k = 0; k < h.cursors().size(); k++) {
      List<Long> rest = new ArrayList<>();
      String after = h.cursors().get(k);
      for (int page = 0; page < 10; page++) {
        Http.Response r =
            http.get(
                cluster.urls().get(k % 3)
                    + "/events?category="
                    + category
                    + "&limit=2&after="
                    + after);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        r.json().get("events").forEach(e -> rest.add(e.get("position").asLong()));
        after = r.json().get("cursor").asText();
      }
      List<Long> expected = new ArrayList<>();
      for (long p = k + 1; p < 4; p++) {
        expected.add(p);
      }
      assertThat(rest).as("resumed from the cursor after event %s", k).isEqualTo(expected);
    }

    // Stream reads give positions in the compacted segment; the open generation keeps its own.
    JsonNode events =
        http.get(cluster.urls().get(2) + "/streams/" + h.stream()).json().get("events");
    List<String> now = new ArrayList<>();
    events.forEach(e -> now.add(e.get("globalPosition").asText()));
    assertThat(now.subList(0, 3))
        .containsExactly(h.first() + "@0", h.first() + "@1", h.first() + "@2");
    assertThat(now.get(3)).isEqualTo(h.positions().get(3));

    // An idempotent retry of the second event answers with its position as it is now.
    Http.Response retry =
        http.post(
            cluster.urls().get(0) + "/streams/" + h.stream(),
            "application/json",
            "{\"events\":[{\"id\":\"e1\",\"type\":\"T\",\"data\":1}]}",
            true);
    assertThat(retry.status()).as(retry.body()).isEqualTo(200);
    assertThat(retry.json().get("globalPosition").asText()).isEqualTo(h.first() + "@1");

    // Positions held from before compare right with what is read now.
    assertThat(compare(h.positions().get(1), now.get(1))).isEqualTo("equal");
    assertThat(compare(h.positions().get(1), h.cursors().get(2))).isEqualTo("before");
    assertThat(compare(h.positions().get(2), h.cursors().get(1))).isEqualTo("after");

    // The stored cursor was rewritten into today's segments, and still means the same place.
    String rewritten =
        http.get(cluster.urls().get(0) + "/consumers/" + consumer + "/cursor")
            .json()
            .get("cursor")
            .asText();
    assertThat(rewritten).isNotEqualTo(h.cursors().get(1));
    assertThat(compare(rewritten, h.cursors().get(1))).isEqualTo("equal");
    JsonNode waited =
        http.get(
                cluster.urls().get(1)
                    + "/consumers/"
                    + consumer
                    + "/wait?timeout=0&position="
                    + enc(h.positions().get(1)))
            .json();
    assertThat(waited.get("reached").asBoolean()).isTrue();
    waited =
        http.get(
                cluster.urls().get(1)
                    + "/consumers/"
                    + consumer
                    + "/wait?timeout=0&position="
                    + enc(h.positions().get(2)))
            .json();
    assertThat(waited.get("reached").asBoolean()).isFalse();

    // Nothing left to compact: a second pass is a no-op.
    Http.Response again =
        http.post(cluster.urls().get(0) + "/admin/compaction", "application/json", "", false);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("compacted")).isEmpty();
  }

  @Test
  void idsRetiredLongerAgoThanTheGraceGet410() {
    History h = build("exp", 3);
    List<SegmentId> run =
        Compaction.runs(view().segments()).stream()
            .filter(r -> r.contains(h.first()))
            .findFirst()
            .orElseThrow();
    PlacementReply reply =
        cluster.nodes().get(0).submit(new PlacementCommand.Compact(run, 0)).join();
    assertThat(reply).isInstanceOf(PlacementReply.Changed.class);
    long compactedAt = cluster.nodes().get(0).view().time();
    // Heartbeats advance placement time past the (zero) grace on every node.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster.nodes().stream().allMatch(n -> n.view().time() > compactedAt));

    Http.Response r =
        http.get(
            cluster.urls().get(1)
                + "/events?category="
                + h.stream().substring(0, h.stream().indexOf('-'))
                + "&after="
                + h.cursors().get(1));
    assertThat(r.status()).as(r.body()).isEqualTo(410);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("urn:fossil:problem:cursor-expired");
    assertThat(r.json().get("detail").asText()).contains("compaction");
    assertThat(
            http.get(
                    cluster.urls().get(2)
                        + "/positions/compare?a="
                        + enc(h.positions().get(1))
                        + "&b="
                        + enc(h.positions().get(0)))
                .status())
        .isEqualTo(410);
    // The head's own id is not retired: cursors naming only it still work.
    Http.Response first =
        http.get(
            cluster.urls().get(1)
                + "/events?category="
                + h.stream().substring(0, h.stream().indexOf('-'))
                + "&after="
                + h.cursors().get(0));
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    // And stream reads never expire: the events are where they were written.
    assertThat(http.get(cluster.urls().get(0) + "/streams/" + h.stream()).json().get("events"))
        .hasSize(3);
  }

  private String compare(String a, String b) {
    Http.Response r =
        http.get(cluster.urls().get(0) + "/positions/compare?a=" + enc(a) + "&b=" + enc(b));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().get("order").asText();
  }

  private Http.Response put(String url, String cursor) {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString("{\"cursor\":\"" + cursor + "\"}"))
            .build(),
        false);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
