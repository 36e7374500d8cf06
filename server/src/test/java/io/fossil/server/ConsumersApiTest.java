package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.kv.Keys;
import io.fossil.kv.KvScans;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors;
import io.fossil.reader.CursorReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stored consumer cursors over real HTTP against three real nodes on RocksDB: cursors written
 * through one node are read and awaited through the others; bad requests change nothing.
 */
class ConsumersApiTest {

  private static final String JSON = "application/json";

  @RegisterExtension static final SharedCluster cluster = new SharedCluster(3, 4);
  static int tag;
  final Http http = new Http();

  @BeforeAll
  static void tag() {
    tag = CursorReader.clusterTag(cluster.view());
  }

  static String consumer() {
    return "rm-" + UUID.randomUUID();
  }

  static String body(String cursor) {
    return "{\"cursor\":\"" + cursor + "\"}";
  }

  static String body(String cursor, String expected) {
    return "{\"cursor\":\""
        + cursor
        + "\",\"expectedCursor\":"
        + (expected == null ? "null" : "\"" + expected + "\"")
        + "}";
  }

  Http.Response put(String node, String name, String body) {
    return http.call("PUT", node + "/consumers/" + name + "/cursor", JSON, body);
  }

  /** Appends one event and answers its global position. */
  String append(String stream) {
    Http.Response r =
        http.post(
            cluster.urls().get(0) + "/streams/" + stream, JSON, Http.event("Placed", "{}"), true);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("globalPosition").asText();
  }

  /** Pages through {@code GET /events} on {@code node} until the cursor contains {@code global}. */
  String cursorPast(String node, String global) {
    GlobalPosition position = GlobalPosition.parse(global);
    String cursor = null;
    for (int page = 0; page < 1000; page++) {
      Http.Response r =
          http.get(node + "/events?limit=1000" + (cursor == null ? "" : "&after=" + cursor));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      cursor = r.json().get("cursor").asText();
      if (Cursor.decode(cursor).contains(position)) {
        return cursor;
      }
    }
    throw new AssertionError("no cursor reached " + global);
  }

  /** Every stored consumer cursor, as text. */
  static List<String> storedCursors() {
    List<String> out = new ArrayList<>();
    KvScans.forEach(
            cluster.store(),
            ConsumerCursors.range(),
            1000,
            false,
            kv -> out.add(Keys.toString(kv.key()) + "=" + Keys.toString(kv.value())))
        .join();
    return out;
  }

  static void assertProblem(Http.Response r, int status, String type) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("urn:fossil:problem:" + type);
    assertThat(r.json().get("status").asInt()).isEqualTo(status);
    assertThat(r.json().get("detail").asText()).isNotBlank();
  }

  @Test
  void aCursorPutThroughOneNodeIsReadThroughTheOthersAndDeletedThroughAny() {
    String name = consumer();
    String cursor = cursorPast(cluster.urls().get(1), append("orders-" + UUID.randomUUID()));

    Http.Response stored = put(cluster.urls().get(0), name, body(cursor));
    assertThat(stored.status()).as(stored.body()).isEqualTo(200);
    assertThat(stored.contentType()).isEqualTo(JSON);
    assertThat(stored.json().get("name").asText()).isEqualTo(name);
    assertThat(stored.json().get("cursor").asText()).isEqualTo(cursor);
    for (String url : cluster.urls()) {
      Http.Response read = http.get(url + "/consumers/" + name + "/cursor");
      assertThat(read.status()).as(read.body()).isEqualTo(200);
      assertThat(read.json().get("name").asText()).isEqualTo(name);
      assertThat(read.json().get("cursor").asText()).isEqualTo(cursor);
    }

    Http.Response deleted =
        http.call("DELETE", cluster.urls().get(2) + "/consumers/" + name, null, null);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    for (String url : cluster.urls()) {
      Http.Response gone = http.get(url + "/consumers/" + name + "/cursor");
      assertProblem(gone, 404, "consumer-not-found");
      assertThat(gone.json().get("name").asText()).isEqualTo(name);
    }
    assertThat(
            http.call("DELETE", cluster.urls().get(1) + "/consumers/" + name, null, null).status())
        .isEqualTo(204);
  }

  @Test
  void compareAndSetRefusesAStaleExpectationWithTheActualCursor() {
    String name = consumer();
    String first = Cursor.start(tag).encode();
    String second = cursorPast(cluster.urls().get(0), append("cas-" + UUID.randomUUID()));

    assertThat(put(cluster.urls().get(0), name, body(first, null)).status()).isEqualTo(200);
    // "none expected" again: someone already stored one.
    Http.Response taken = put(cluster.urls().get(1), name, body(second, null));
    assertProblem(taken, 409, "wrong-expected-cursor");
    assertThat(taken.json().get("actualCursor").asText()).isEqualTo(first);
    assertThat(taken.json().get("expectedCursor").isNull()).isTrue();

    Http.Response moved = put(cluster.urls().get(1), name, body(second, first));
    assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    assertThat(moved.json().get("cursor").asText()).isEqualTo(second);

    // A writer that still believes the first cursor is stored loses, and changes nothing.
    Http.Response stale = put(cluster.urls().get(2), name, body(first, first));
    assertProblem(stale, 409, "wrong-expected-cursor");
    assertThat(stale.json().get("name").asText()).isEqualTo(name);
    assertThat(stale.json().get("expectedCursor").asText()).isEqualTo(first);
    assertThat(stale.json().get("actualCursor").asText()).isEqualTo(second);
    assertThat(
            http.get(cluster.urls().get(0) + "/consumers/" + name + "/cursor")
                .json()
                .get("cursor")
                .asText())
        .isEqualTo(second);

    // Expecting a cursor of a consumer that has none is a conflict too.
    Http.Response none = put(cluster.urls().get(0), consumer(), body(second, first));
    assertProblem(none, 409, "wrong-expected-cursor");
    assertThat(none.json().get("actualCursor").isNull()).isTrue();
  }

  @Test
  void aWaitReturnsAsSoonAsACursorStoredThroughAnotherNodePassesThePosition() throws Exception {
    String name = consumer();
    String global = append("rw-" + UUID.randomUUID());
    assertThat(put(cluster.urls().get(1), name, body(Cursor.start(tag).encode())).status())
        .isEqualTo(200);

    Node waiting = cluster.nodes().get(0);
    int before = waiting.consumers().waiting();
    CompletableFuture<HttpResponse<String>> wait =
        http.noRedirects.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(
                        cluster.urls().get(0)
                            + "/consumers/"
                            + name
                            + "/wait?position="
                            + global
                            + "&timeout=30000"))
                .timeout(Duration.ofSeconds(40))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> waiting.consumers().waiting() > before);
    String cursor = cursorPast(cluster.urls().get(2), global);
    assertThat(wait).as("the stored cursor does not contain the position yet").isNotDone();

    long put = System.nanoTime();
    assertThat(put(cluster.urls().get(1), name, body(cursor)).status()).isEqualTo(200);
    HttpResponse<String> answer = wait.get(10, TimeUnit.SECONDS);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - put);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode json = Http.JSON.readTree(answer.body());
    assertThat(json.get("name").asText()).isEqualTo(name);
    assertThat(json.get("reached").asBoolean()).isTrue();
    assertThat(json.get("cursor").asText()).isEqualTo(cursor);
    // Found by polling the store (every 50 ms), long before the 30 s timeout.
    assertThat(tookMillis).isLessThan(5_000);
  }

  @Test
  void aWaitForAPositionAlreadyPassedAnswersAtOnce() {
    String name = consumer();
    String global = append("done-" + UUID.randomUUID());
    String cursor = cursorPast(cluster.urls().get(0), global);
    assertThat(put(cluster.urls().get(0), name, body(cursor)).status()).isEqualTo(200);

    Http.Response r =
        http.get(
            cluster.urls().get(2)
                + "/consumers/"
                + name
                + "/wait?position="
                + global
                + "&timeout=0");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("reached").asBoolean()).isTrue();
    assertThat(r.json().get("cursor").asText()).isEqualTo(cursor);
  }

  @Test
  void aWaitThatTimesOutSaysNotReachedWithTheCurrentCursor() {
    String name = consumer();
    String start = Cursor.start(tag).encode();
    assertThat(put(cluster.urls().get(0), name, body(start)).status()).isEqualTo(200);
    String global = append("late-" + UUID.randomUUID());

    long begin = System.nanoTime();
    Http.Response r =
        http.get(
            cluster.urls().get(1)
                + "/consumers/"
                + name
                + "/wait?position="
                + global
                + "&timeout=300");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("name").asText()).isEqualTo(name);
    assertThat(r.json().get("reached").asBoolean()).isFalse();
    assertThat(r.json().get("cursor").asText()).isEqualTo(start);
    assertThat(tookMillis).isBetween(300L, 5_000L);

    // A consumer that never stored a cursor may still be starting: it is waited for too.
    Http.Response never =
        http.get(
            cluster.urls().get(2)
                + "/consumers/"
                + consumer()
                + "/wait?position="
                + global
                + "&timeout=100");
    assertThat(never.status()).as(never.body()).isEqualTo(200);
    assertThat(never.json().get("reached").asBoolean()).isFalse();
    assertThat(never.json().get("cursor").isNull()).isTrue();
  }

  @Test
  void aClientThatHangsUpEndsItsWait() throws Exception {
    Node node = cluster.nodes().get(2);
    int before = node.consumers().waiting();
    URI base = URI.create(cluster.urls().get(2));
    String global = new GlobalPosition(new SegmentId(1, 0, -1L), 1_000_000).toString();
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /consumers/"
                  + consumer()
                  + "/wait?position="
                  + global
                  + "&timeout=60000 HTTP/1.1\r\nHost: "
                  + base.getAuthority()
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> node.consumers().waiting() > before);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> node.consumers().waiting() == before);
  }

  // ------------------------------------------------------------------ bad requests

  static Arguments bad(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      int status,
      String type) {
    return Arguments.of(name, method, path, contentType, body, status, type);
  }

  static Stream<Arguments> badRequests() {
    int clusterTag = CursorReader.clusterTag(cluster.nodes().get(0).view());
    String good = Cursor.start(clusterTag).encode();
    String otherCluster = Cursor.start(clusterTag + 1).encode();
    String victim = "/consumers/victim/cursor";
    return Stream.of(
        bad(
            "name of 201 characters",
            "PUT",
            "/consumers/" + "n".repeat(201) + "/cursor",
            JSON,
            body(good),
            400,
            "invalid-consumer-name"),
        bad(
            "space in the name",
            "PUT",
            "/consumers/bad%20name/cursor",
            JSON,
            body(good),
            400,
            "invalid-consumer-name"),
        bad(
            "escaped slash in the name",
            "PUT",
            "/consumers/victim%2Fx/cursor",
            JSON,
            body(good),
            400,
            "invalid-consumer-name"),
        bad(
            "name starting with a dash",
            "PUT",
            "/consumers/-victim/cursor",
            JSON,
            body(good),
            400,
            "invalid-consumer-name"),
        bad(
            "non-ASCII name",
            "PUT",
            "/consumers/vict%C3%AFm/cursor",
            JSON,
            body(good),
            400,
            "invalid-consumer-name"),
        bad(
            "name not UTF-8",
            "PUT",
            "/consumers/victim%ff/cursor",
            JSON,
            body(good),
            400,
            "invalid-consumer-name"),
        bad(
            "GET with a bad name",
            "GET",
            "/consumers/bad%20name/cursor",
            null,
            null,
            400,
            "invalid-consumer-name"),
        bad(
            "wait with a bad name",
            "GET",
            "/consumers/bad%20name/wait?position=1:0-f@1",
            null,
            null,
            400,
            "invalid-consumer-name"),
        bad(
            "DELETE with a bad name",
            "DELETE",
            "/consumers/bad%20name",
            null,
            null,
            400,
            "invalid-consumer-name"),
        bad("garbage token", "PUT", victim, JSON, body("garbage!"), 400, "invalid-cursor"),
        bad(
            "truncated token",
            "PUT",
            victim,
            JSON,
            body(good.substring(0, good.length() - 2)),
            400,
            "invalid-cursor"),
        bad(
            "token of another cluster",
            "PUT",
            victim,
            JSON,
            body(otherCluster),
            400,
            "invalid-cursor"),
        bad(
            "garbage expected token",
            "PUT",
            victim,
            JSON,
            body(good, "garbage!"),
            400,
            "invalid-cursor"),
        bad(
            "expected token of another cluster",
            "PUT",
            victim,
            JSON,
            body(good, otherCluster),
            400,
            "invalid-cursor"),
        bad(
            "unknown field",
            "PUT",
            victim,
            JSON,
            "{\"cursor\":\"" + good + "\",\"position\":3}",
            400,
            "unknown-field"),
        bad("cursor missing", "PUT", victim, JSON, "{}", 400, "invalid-field"),
        bad("cursor null", "PUT", victim, JSON, "{\"cursor\":null}", 400, "invalid-field"),
        bad("cursor a number", "PUT", victim, JSON, "{\"cursor\":7}", 400, "invalid-field"),
        bad(
            "expectedCursor a number",
            "PUT",
            victim,
            JSON,
            "{\"cursor\":\"" + good + "\",\"expectedCursor\":7}",
            400,
            "invalid-field"),
        bad("body an array", "PUT", victim, JSON, "[]", 400, "invalid-field"),
        bad("empty body", "PUT", victim, JSON, "", 400, "invalid-field"),
        bad("malformed JSON", "PUT", victim, JSON, "{\"cursor\":", 400, "malformed-json"),
        bad(
            "duplicate key",
            "PUT",
            victim,
            JSON,
            "{\"cursor\":\"" + good + "\",\"cursor\":\"" + good + "\"}",
            400,
            "malformed-json"),
        bad("no content type", "PUT", victim, null, body(good), 415, "unsupported-media-type"),
        bad(
            "form content type, body over 1 KiB",
            "PUT",
            victim,
            "application/x-www-form-urlencoded",
            "{\"cursor\":\"" + "x".repeat(2000) + "\"}",
            415,
            "unsupported-media-type"),
        bad(
            "unknown query parameter",
            "PUT",
            victim + "?force=true",
            JSON,
            body(good),
            400,
            "unknown-parameter"),
        bad(
            "stale expected cursor",
            "PUT",
            victim,
            JSON,
            body(good, good),
            409,
            "wrong-expected-cursor"),
        bad(
            "expected none but one is stored",
            "PUT",
            victim,
            JSON,
            body(good, null),
            409,
            "wrong-expected-cursor"),
        bad("POST a cursor", "POST", victim, JSON, body(good), 405, "method-not-allowed"),
        bad(
            "GET a consumer never stored",
            "GET",
            "/consumers/nobody/cursor",
            null,
            null,
            404,
            "consumer-not-found"),
        bad(
            "wait without position",
            "GET",
            "/consumers/victim/wait",
            null,
            null,
            400,
            "invalid-parameter"),
        bad(
            "wait for garbage",
            "GET",
            "/consumers/victim/wait?position=soon",
            null,
            null,
            400,
            "invalid-parameter"),
        bad(
            "wait for a cursor",
            "GET",
            "/consumers/victim/wait?position=" + good,
            null,
            null,
            400,
            "invalid-parameter"),
        bad(
            "wait over 60 s",
            "GET",
            "/consumers/victim/wait?position=1:0-f@1&timeout=60001",
            null,
            null,
            400,
            "invalid-parameter"),
        bad(
            "negative wait",
            "GET",
            "/consumers/victim/wait?position=1:0-f@1&timeout=-1",
            null,
            null,
            400,
            "invalid-parameter"),
        bad(
            "wait for ever",
            "GET",
            "/consumers/victim/wait?position=1:0-f@1&timeout=forever",
            null,
            null,
            400,
            "invalid-parameter"),
        bad(
            "wait: unknown parameter",
            "GET",
            "/consumers/victim/wait?position=1:0-f@1&after=x",
            null,
            null,
            400,
            "unknown-parameter"),
        bad(
            "DELETE: unknown parameter",
            "DELETE",
            "/consumers/victim?force=true",
            null,
            null,
            400,
            "unknown-parameter"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void isRefusedWithAProblemAndStoresNothing(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      int status,
      String type) {
    String victim = cursorPast(cluster.urls().get(0), append("victim-" + UUID.randomUUID()));
    assertThat(put(cluster.urls().get(0), "victim", body(victim)).status()).isEqualTo(200);
    List<String> before = storedCursors();

    Http.Response response = http.call(method, cluster.urls().get(1) + path, contentType, body);

    assertProblem(response, status, type);
    assertThat(storedCursors()).isEqualTo(before);
  }
}
