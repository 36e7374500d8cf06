package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import io.fossil.kv.KvScans;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import io.fossil.reader.CursorReader;
import io.fossil.reader.Selection;
import io.fossil.storage.Keyspace;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets a 4xx a person can act on, with a stable problem type, and changes nothing. The
 * node runs on {@code mem:} with etcd's limits so that the size limits of one storage transaction
 * (42 events, about 1 MiB per event) are reachable below the HTTP body limit.
 */
class BadRequestTest {

  private static final String JSON = "application/json";
  private static final String STREAM = "/streams/victim-1";

  @TempDir static Path data;
  static DevCluster cluster;
  static String url;
  final Http http = new Http();

  @BeforeAll
  static void start() throws Exception {
    cluster =
        TestClusters.start(
            data,
            1,
            4,
            false,
            "mem:bad-requests?maxOperations=128&maxBatchBytes=1422720&maxValueBytes=1048576");
    url = cluster.urls().get(0);
    Http.Response seed = new Http().post(url + STREAM, JSON, Http.event("Seed", "{}"), true);
    assertThat(seed.status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String events(int n) {
    StringBuilder b = new StringBuilder("{\"events\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("{\"type\":\"T\",\"data\":").append(i).append('}');
    }
    return b.append("]}").toString();
  }

  static String nested(int depth) {
    return "{\"events\":[{\"type\":\"T\",\"data\":" + "[".repeat(depth) + "]".repeat(depth) + "}]}";
  }

  static Arguments post(
      String name, String path, String contentType, String body, int status, String type) {
    return Arguments.of(name, "POST", path, contentType, body, status, type);
  }

  /** A bodyless request; a POST says it is JSON, as a script must (else it looks cross-site). */
  static Arguments call(String name, String method, String path, int status, String type) {
    return Arguments.of(
        name, method, path, method.equals("POST") ? JSON : null, null, status, type);
  }

  static Stream<Arguments> badRequests() {
    String unknownSegment = new SegmentId(999_999, 0, 15).toString();
    PlacementView view = cluster.nodes().get(0).view();
    int tag = CursorReader.clusterTag(view);
    Segment open = view.segments().stream().filter(Segment::isOpen).findFirst().orElseThrow();
    String good = new Cursor(tag, List.of(new Cursor.Entry(open.id(), -1))).encode();
    Cursor future =
        new Cursor(tag, List.of(new Cursor.Entry(new SegmentId(view.nextSeq() + 5, 0, -1L), 3)));
    Cursor pastTheEnd = pastTheEnd(view, tag);
    Selection orders = new Selection("orders", null, 0, 1);
    return Stream.of(
        post("truncated JSON", STREAM, JSON, "{\"events\":[", 400, "malformed-json"),
        post("trailing garbage", STREAM, JSON, events(1) + " x", 400, "malformed-json"),
        post("duplicate key", STREAM, JSON, "{\"events\":[],\"events\":[]}", 400, "malformed-json"),
        post(
            "NaN",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"T\",\"data\":NaN}]}",
            400,
            "malformed-json"),
        post("nested 100 deep", STREAM, JSON, nested(100), 400, "json-too-deep"),
        post(
            "unknown top-level field",
            STREAM,
            JSON,
            "{\"events\":[],\"stream\":\"x\"}",
            400,
            "unknown-field"),
        post(
            "unknown event field",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"T\",\"data\":1,\"tpye\":\"x\"}]}",
            400,
            "unknown-field"),
        // Without an Authorization header a POST that is not JSON is what a page in a browser can
        // send: refused as cross-site before the body is read (router's RequestValidationTest has
        // the 415 a script gets).
        post("text/plain", STREAM, "text/plain", events(1), 403, "cross-site-request"),
        post("no content type", STREAM, null, events(1), 403, "cross-site-request"),
        post(
            "form content type",
            STREAM,
            "application/x-www-form-urlencoded",
            events(1),
            403,
            "cross-site-request"),
        post(
            "form content type, body over 1 KiB",
            STREAM,
            "application/x-www-form-urlencoded",
            "{\"events\":[{\"type\":\"T\",\"data\":\"" + "x".repeat(2000) + "\"}]}",
            403,
            "cross-site-request"),
        post("bodyless admin POST", "/admin/compaction", null, null, 403, "cross-site-request"),
        post(
            "a number of 1001 digits",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"T\",\"data\":1" + "0".repeat(1000) + "}]}",
            400,
            "invalid-field"),
        post(
            "raw UTF-8 in the stream name",
            "/streams/caf\u00e9",
            JSON,
            events(1),
            400,
            "invalid-stream-name"),
        post(
            "body over 4 MiB",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"T\",\"data\":\"" + "x".repeat(5 << 20) + "\"}]}",
            413,
            "body-too-large"),
        post("empty body", STREAM, JSON, "", 400, "invalid-field"),
        post("body is an array", STREAM, JSON, "[]", 400, "invalid-field"),
        post("events missing", STREAM, JSON, "{}", 400, "invalid-field"),
        post("events not an array", STREAM, JSON, "{\"events\":{}}", 400, "invalid-field"),
        post("event not an object", STREAM, JSON, "{\"events\":[1]}", 400, "invalid-field"),
        post("type missing", STREAM, JSON, "{\"events\":[{\"data\":1}]}", 400, "invalid-field"),
        post(
            "type not a string",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":7,\"data\":1}]}",
            400,
            "invalid-field"),
        post("data missing", STREAM, JSON, "{\"events\":[{\"type\":\"T\"}]}", 400, "invalid-field"),
        post(
            "metadata not an object",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"T\",\"data\":1,\"metadata\":[]}]}",
            400,
            "invalid-field"),
        post(
            "id not a string",
            STREAM,
            JSON,
            "{\"events\":[{\"id\":5,\"type\":\"T\",\"data\":1}]}",
            400,
            "invalid-field"),
        post("empty event list", STREAM, JSON, "{\"events\":[]}", 400, "empty-append"),
        post(
            "expectedPosition as string",
            STREAM,
            JSON,
            "{\"expectedPosition\":\"0\",\"events\":[{\"type\":\"T\",\"data\":1}]}",
            400,
            "invalid-expected-position"),
        post(
            "expectedPosition fractional",
            STREAM,
            JSON,
            "{\"expectedPosition\":0.5,\"events\":[{\"type\":\"T\",\"data\":1}]}",
            400,
            "invalid-expected-position"),
        post(
            "expectedPosition -2",
            STREAM,
            JSON,
            "{\"expectedPosition\":-2,\"events\":[{\"type\":\"T\",\"data\":1}]}",
            400,
            "invalid-expected-position"),
        post(
            "expectedPosition beyond int64",
            STREAM,
            JSON,
            "{\"expectedPosition\":100000000000000000000,\"events\":[{\"type\":\"T\",\"data\":1}]}",
            400,
            "invalid-expected-position"),
        post(
            "empty type",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"\",\"data\":1}]}",
            400,
            "invalid-event-type"),
        post(
            "control character in type",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"a\\u0001\",\"data\":1}]}",
            400,
            "invalid-event-type"),
        post(
            "type of 300 bytes",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"" + "t".repeat(300) + "\",\"data\":1}]}",
            400,
            "invalid-event-type"),
        post(
            "id of 300 bytes",
            STREAM,
            JSON,
            "{\"events\":[{\"id\":\"" + "i".repeat(300) + "\",\"type\":\"T\",\"data\":1}]}",
            400,
            "invalid-event-id"),
        post(
            "same id twice",
            STREAM,
            JSON,
            "{\"events\":[{\"id\":\"a\",\"type\":\"T\",\"data\":1},{\"id\":\"a\",\"type\":\"T\",\"data\":2}]}",
            400,
            "duplicate-event-id"),
        post("43 events", STREAM, JSON, events(43), 413, "append-too-large"),
        post(
            "event of 1.1 MB",
            STREAM,
            JSON,
            "{\"events\":[{\"type\":\"T\",\"data\":\"" + "x".repeat(1_100_000) + "\"}]}",
            413,
            "event-too-large"),
        post(
            "four 400 kB events",
            STREAM,
            JSON,
            "{\"events\":["
                + String.join(
                    ",",
                    java.util.Collections.nCopies(
                        4, "{\"type\":\"T\",\"data\":\"" + "x".repeat(400_000) + "\"}"))
                + "]}",
            413,
            "append-too-large"),
        post(
            "control character in stream name",
            "/streams/bad%01name",
            JSON,
            events(1),
            400,
            "invalid-stream-name"),
        post(
            "broken percent escape",
            "/streams/bad%zzname",
            JSON,
            events(1),
            400,
            "invalid-stream-name"),
        post(
            "stream name not UTF-8",
            "/streams/bad%ffname",
            JSON,
            events(1),
            400,
            "invalid-stream-name"),
        post(
            "stream name of 600 bytes",
            "/streams/" + "s".repeat(600),
            JSON,
            events(1),
            400,
            "invalid-stream-name"),
        post(
            "unknown query parameter",
            STREAM + "?force=true",
            JSON,
            events(1),
            400,
            "unknown-parameter"),
        post("hop not a number", STREAM + "?hop=x", JSON, events(1), 400, "invalid-parameter"),
        post("too many hops", STREAM + "?hop=4", JSON, events(1), 503, "too-many-hops"),
        call("limit 0", "GET", STREAM + "?limit=0", 400, "invalid-parameter"),
        call(
            "direction twice",
            "GET",
            STREAM + "?direction=backward&direction=forward",
            400,
            "invalid-parameter"),
        call("broken escape in the query", "GET", STREAM + "?from=%zz", 400, "invalid-parameter"),
        call(
            "request line over 8 KiB",
            "GET",
            "/events?after=" + "a".repeat(9000),
            414,
            "request-line-too-long"),
        call("limit not a number", "GET", STREAM + "?limit=ten", 400, "invalid-parameter"),
        call("limit above 1000", "GET", STREAM + "?limit=5000", 400, "invalid-parameter"),
        call("from negative", "GET", STREAM + "?from=-1", 400, "invalid-parameter"),
        call("direction sideways", "GET", STREAM + "?direction=sideways", 400, "invalid-parameter"),
        call("unknown read parameter", "GET", STREAM + "?after=3", 400, "unknown-parameter"),
        call("unknown route", "GET", "/nothing/here", 404, "not-found"),
        call("no stream name", "POST", "/streams/", 404, "not-found"),
        call("DELETE a stream", "DELETE", STREAM, 405, "method-not-allowed"),
        call("PUT the cluster", "PUT", "/cluster", 405, "method-not-allowed"),
        call(
            "move: not a segment id",
            "POST",
            "/admin/segments/banana/move?to=n1",
            400,
            "invalid-parameter"),
        call(
            "move: no target",
            "POST",
            "/admin/segments/" + unknownSegment + "/move",
            400,
            "invalid-parameter"),
        call(
            "move: unknown segment",
            "POST",
            "/admin/segments/" + unknownSegment + "/move?to=n1",
            404,
            "unknown-segment"),
        call(
            "split: point not hex",
            "POST",
            "/admin/segments/" + unknownSegment + "/split?at=xyz",
            400,
            "invalid-parameter"),
        call(
            "merge: b missing",
            "POST",
            "/admin/segments/merge?a=" + unknownSegment,
            400,
            "invalid-parameter"),
        call("events: garbage cursor", "GET", "/events?after=garbage!", 400, "invalid-cursor"),
        call(
            "events: truncated cursor",
            "GET",
            "/events?after=" + good.substring(0, good.length() - 2),
            400,
            "invalid-cursor"),
        call(
            "events: cursor of another cluster",
            "GET",
            "/events?after=" + new Cursor(tag + 1, List.of()).encode(),
            400,
            "invalid-cursor"),
        call(
            "events: cursor from the future",
            "GET",
            "/events?after=" + future.encode(),
            400,
            "invalid-cursor"),
        call(
            "events: counter past a segment's end",
            "GET",
            "/events?after=" + pastTheEnd.encode(),
            400,
            "invalid-cursor"),
        call(
            "live: cursor of another cluster",
            "GET",
            "/events/live?after=" + new Cursor(tag + 1, List.of()).encode(),
            400,
            "invalid-cursor"),
        call(
            "events: cursor of a category read, resumed without it",
            "GET",
            "/events?after=" + Cursor.decode(good).withSelectionTag(orders.tag()).encode(),
            400,
            "invalid-cursor"),
        call(
            "events: category with a dash",
            "GET",
            "/events?category=a-b",
            400,
            "invalid-parameter"),
        call("events: partition 2/2", "GET", "/events?partition=2/2", 400, "invalid-parameter"),
        call("events: partition x", "GET", "/events?partition=x", 400, "invalid-parameter"),
        call("events: limit 1001", "GET", "/events?limit=1001", 400, "invalid-parameter"),
        call("events: two cursors", "GET", "/events?after=end&after=end", 400, "invalid-parameter"),
        call("events: unknown parameter", "GET", "/events?from=3", 400, "unknown-parameter"),
        call("compare: b missing", "GET", "/positions/compare?a=1:0-f@1", 400, "invalid-parameter"),
        call(
            "compare: not a position",
            "GET",
            "/positions/compare?a=1:zz@1&b=" + good,
            400,
            "invalid-parameter"),
        call(
            "compare: not a cursor",
            "GET",
            "/positions/compare?a=1:0-f@1&b=garbage!",
            400,
            "invalid-cursor"));
  }

  /** A cursor beyond the end of a sealed segment: the seed stream's first segment, moved away. */
  static Cursor pastTheEnd(PlacementView view, int tag) {
    Segment seeded = view.openSegmentFor(STREAM.substring("/streams/".length())).orElseThrow();
    Http.Response moved =
        new Http().post(url + "/admin/segments/" + seeded.id() + "/move?to=n1", JSON, "", false);
    assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    // The successor's owner seals it in storage and reports the final counter (0: one event).
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                cluster.nodes().get(0).view().segment(seeded.id()).orElseThrow().finalCounter()
                    == 0);
    return new Cursor(tag, List.of(new Cursor.Entry(seeded.id(), 5)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void isRefusedWithAProblemAndChangesNothing(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      int status,
      String type) {
    List<String> before = events();
    Http.Response response =
        path.contains("%zz") || !path.chars().allMatch(c -> c < 0x80)
            // The JDK client refuses to send a malformed escape, and escapes what is not ASCII; a
            // person with curl does neither.
            ? Http.raw(url, method, path, contentType, body)
            : http.call(method, url + path, contentType, body);

    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().get("type").asText()).isEqualTo("urn:fossil:problem:" + type);
    assertThat(response.json().get("status").asInt()).isEqualTo(status);
    assertThat(response.json().get("detail").asText()).isNotBlank();
    assertThat(events()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0} {1}")
  @org.junit.jupiter.params.provider.CsvSource({
    "DELETE, /streams/orders-1, 'GET, HEAD, POST'",
    "PUT, /cluster, 'GET, HEAD'",
    "HEAD, /admin/compaction, POST",
    "POST, /consumers/billing/cursor, 'GET, HEAD, PUT'",
    "GET, /consumers/billing, DELETE",
    "GET, /admin/compaction, POST",
    "DELETE, /admin/segments/7/move, POST"
  })
  void aMethodNotAllowedNamesTheMethodsThatAre(String method, String path, String allowed)
      throws Exception {
    java.net.http.HttpResponse<String> response =
        http.noRedirects.send(
            Http.request(method, url + path, method.equals("POST") ? JSON : null, null),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().allValues("Allow")).containsExactly(allowed);
    if (!method.equals("HEAD")) {
      assertThat(response.body()).contains("it takes " + allowed);
    }
  }

  @ParameterizedTest(name = "HEAD {0}")
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        STREAM,
        "/streams/never-written",
        "/streams/victim-1?from=x",
        "/events?limit=1",
        "/cluster",
        "/health/ready",
        "/consumers/nobody/cursor"
      })
  void headAnswersWithTheStatusAndHeadersOfGetAndNoBody(String path) throws Exception {
    java.net.http.HttpResponse<String> get =
        http.noRedirects.send(
            Http.request("GET", url + path, null, null),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    java.net.http.HttpResponse<String> head =
        http.noRedirects.send(
            Http.request("HEAD", url + path, null, null),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(get.statusCode());
    assertThat(head.headers().firstValue("Content-Type"))
        .isEqualTo(get.headers().firstValue("Content-Type"));
    assertThat(head.body()).isEmpty();
    if (path.startsWith("/streams/")) {
      assertThat(head.headers().firstValueAsLong("Content-Length"))
          .hasValue(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
  }

  @org.junit.jupiter.api.Test
  void headOnTheLiveTailAnswersItsHeadersWithoutStartingAStream() throws Exception {
    java.net.http.HttpResponse<String> head =
        http.noRedirects.send(
            Http.request("HEAD", url + "/events/live", null, null),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Type"))
        .hasValue("text/event-stream; charset=utf-8");
    assertThat(head.body()).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void anExpectHeaderOtherThan100ContinueIs417() {
    List<String> before = events();
    Http.Response response = Http.raw(url, "POST", STREAM, JSON, events(1), "Expect: teapot");
    assertThat(response.status()).as(response.body()).isEqualTo(417);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().get("type").asText())
        .isEqualTo("urn:fossil:problem:expectation-failed");
    assertThat(events()).isEqualTo(before);
  }

  @org.junit.jupiter.api.Test
  void headersOverTheLimitAre431WithAProblem() {
    Http.Response response =
        Http.raw(url, "GET", STREAM, null, null, "X-Padding: " + "p".repeat(20_000));
    assertThat(response.status()).as(response.body()).isEqualTo(431);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().get("type").asText())
        .isEqualTo("urn:fossil:problem:headers-too-large");
  }

  /** Every event, stream index and id key in the store, as text (placement's keys excluded). */
  static List<String> events() {
    List<String> entries = new ArrayList<>();
    KvScans.forEach(
            cluster.store(),
            KeyRange.all(),
            1000,
            false,
            kv -> {
              Keyspace.Kind kind = Keyspace.kindOf(kv.key()).orElse(null);
              if (kind == Keyspace.Kind.EVENT
                  || kind == Keyspace.Kind.STREAM_INDEX
                  || kind == Keyspace.Kind.EVENT_ID) {
                entries.add(Keys.toString(kv.key()) + "=" + Keys.toString(kv.value()));
              }
            })
        .join();
    assertThat(entries).isNotEmpty();
    return entries;
  }
}
