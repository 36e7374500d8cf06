package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.owner.SegmentAppender;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import io.fossil.reader.CursorReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests refused before they reach the node: each answers its problem type, and none writes an
 * event (the node runs a real appender, so a request that got through would).
 */
class RequestValidationTest extends ApiTestServer {

  static final String STREAM = "/streams/orders-1";

  @BeforeEach
  void runAppender() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
  }

  private void assertNothingWritten() {
    assertThat(get(STREAM).json().path("events")).isEmpty();
  }

  @Test
  void malformedJsonIs400MalformedJson() {
    Response r = postJson(STREAM, "{\"events\":[");

    JsonNode p = r.problem(400, ProblemType.MALFORMED_JSON);
    assertThat(p.path("detail").asText()).startsWith("the body is not valid JSON");
    assertNothingWritten();
  }

  @Test
  void aDuplicateKeyIsMalformedJsonNotTheLastOneWins() {
    postJson(STREAM, "{\"events\":[],\"events\":[]}").problem(400, ProblemType.MALFORMED_JSON);
  }

  @Test
  void anUnknownFieldIs400NamingIt() {
    Response top = postJson(STREAM, "{\"events\":[],\"stream\":\"x\"}");
    Response inEvent = postJson(STREAM, "{\"events\":[{\"type\":\"T\",\"data\":1,\"tpye\":1}]}");

    assertThat(top.problem(400, ProblemType.UNKNOWN_FIELD).path("detail").asText())
        .contains("'stream'");
    assertThat(inEvent.problem(400, ProblemType.UNKNOWN_FIELD).path("detail").asText())
        .contains("'events[0].tpye'");
    assertNothingWritten();
  }

  @Test
  void aFieldOfTheWrongTypeIs400InvalidField() {
    postJson(STREAM, "{\"events\":{}}").problem(400, ProblemType.INVALID_FIELD);
    postJson(STREAM, "{\"events\":[{\"type\":1,\"data\":1}]}")
        .problem(400, ProblemType.INVALID_FIELD);
  }

  @Test
  void anInvalidExpectedPositionIs400() {
    postJson(STREAM, "{\"expectedPosition\":-2,\"events\":[{\"type\":\"T\",\"data\":1}]}")
        .problem(400, ProblemType.INVALID_EXPECTED_POSITION);
  }

  @Test
  void anInvalidStreamNameIs400ForAppendsAndReads() {
    String tooLong = "/streams/" + "s".repeat(600);

    postJson("/streams/bad%01name", events(null, "a"))
        .problem(400, ProblemType.INVALID_STREAM_NAME);
    get("/streams/bad%01name").problem(400, ProblemType.INVALID_STREAM_NAME);
    get(tooLong).problem(400, ProblemType.INVALID_STREAM_NAME);
    postJson(tooLong, events(null, "a")).problem(400, ProblemType.INVALID_STREAM_NAME);
    assertNothingWritten();
  }

  @Test
  void aBodyOverTheLimitIs413WithTheLimit() {
    String big = "{\"events\":[{\"type\":\"T\",\"data\":\"" + "x".repeat(MAX_BODY) + "\"}]}";

    Response r = postJson(STREAM, big);

    JsonNode p = r.problem(413, ProblemType.BODY_TOO_LARGE);
    assertThat(p.path("limit").asInt()).isEqualTo(MAX_BODY);
    assertNothingWritten();
  }

  @Test
  void anUnknownQueryParameterIs400NamingItAndWhatTheRouteTakes() {
    Response append = postJson(STREAM + "?pv=1&colour=red", events(null, "a"));
    Response read = get(STREAM + "?form=0");

    assertThat(append.problem(400, ProblemType.UNKNOWN_PARAMETER).path("detail").asText())
        .contains("'colour'")
        .contains("[hop, pv]");
    assertThat(read.problem(400, ProblemType.UNKNOWN_PARAMETER).path("detail").asText())
        .contains("'form'");
    get("/cluster?x=1").problem(400, ProblemType.UNKNOWN_PARAMETER);
    assertNothingWritten();
  }

  @Test
  void anInvalidParameterValueIs400InvalidParameter() {
    get(STREAM + "?limit=0").problem(400, ProblemType.INVALID_PARAMETER);
    get(STREAM + "?limit=1001").problem(400, ProblemType.INVALID_PARAMETER);
    get(STREAM + "?direction=sideways").problem(400, ProblemType.INVALID_PARAMETER);
    get(STREAM + "?from=1&from=2").problem(400, ProblemType.INVALID_PARAMETER);
    postJson(STREAM + "?pv=x", events(null, "a")).problem(400, ProblemType.INVALID_PARAMETER);
    get("/events?partition=1").problem(400, ProblemType.INVALID_PARAMETER);
  }

  /**
   * A script's POST (it can send an Authorization header, which an insecure API ignores) with a
   * body that is not JSON is a 415; the same POST without the header is what a page in a browser
   * can send, refused as cross-site even without security.
   */
  @Test
  void aBodyThatIsNotJsonIs415() {
    Map<String, String> script = Map.of("Authorization", "Bearer ignored");
    Response text = call(client(), "POST", STREAM, "text/plain", events(null, "a"), script);
    Response none = call(client(), "POST", STREAM, null, events(null, "a"), script);
    Response form =
        call(
            client(),
            "POST",
            STREAM,
            "application/x-www-form-urlencoded",
            events(null, "a"),
            script);
    Response fromAPage = call("POST", STREAM, "text/plain", events(null, "a"));
    Response bodylessAdmin = call("POST", "/admin/compaction", null, null);

    assertThat(text.problem(415, ProblemType.UNSUPPORTED_MEDIA_TYPE).path("detail").asText())
        .contains("'text/plain'");
    assertThat(none.problem(415, ProblemType.UNSUPPORTED_MEDIA_TYPE).path("detail").asText())
        .contains("no Content-Type");
    form.problem(415, ProblemType.UNSUPPORTED_MEDIA_TYPE);
    fromAPage.problem(403, ProblemType.CROSS_SITE_REQUEST);
    bodylessAdmin.problem(403, ProblemType.CROSS_SITE_REQUEST);
    assertNothingWritten();
  }

  @Test
  void aJsonSubtypeIsAccepted() {
    Response r = call("POST", STREAM, "application/vnd.fossil+json; charset=utf-8", events(null));

    // Accepted as JSON: refused only for what it holds (no events), not for its type.
    r.problem(400, ProblemType.EMPTY_APPEND);
  }

  @Test
  void anInvalidCursorIs400InvalidCursor() {
    int tag = CursorReader.clusterTag(node.view());
    String unknownSegment =
        new Cursor(tag, List.of(new Cursor.Entry(new SegmentId(99, 0, -1L), 3))).encode();
    String otherCluster =
        new Cursor(tag + 1, List.of(new Cursor.Entry(FakeNode.RING, -1))).encode();

    Response garbage = get("/events?after=not-a-cursor");
    Response unknown = get("/events?after=" + unknownSegment);
    Response foreign = get("/events?after=" + otherCluster);

    assertThat(garbage.problem(400, ProblemType.INVALID_CURSOR).path("detail").asText())
        .startsWith("the cursor ");
    unknown.problem(400, ProblemType.INVALID_CURSOR);
    foreign.problem(400, ProblemType.INVALID_CURSOR);
    get("/positions/compare?a=garbage&b=garbage").problem(400, ProblemType.INVALID_CURSOR);
  }

  @Test
  void aValidCursorReadsFromItsPosition() {
    postJson(STREAM, events(null, "a", "b"));
    String start = get("/events").json().path("cursor").asText();

    Response r = get("/events?after=" + start);

    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    assertThat(r.json().path("events")).isEmpty();
  }

  @Test
  void anUnknownRouteIs404AndAWrongMethod405WithAllow() {
    get("/nowhere").problem(404, ProblemType.NOT_FOUND);
    Response r = call("DELETE", STREAM, null, null);

    r.problem(405, ProblemType.METHOD_NOT_ALLOWED);
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD, POST");
  }

  @Test
  void anInvalidConsumerNameIs400() {
    get("/consumers/" + "c".repeat(300) + "/cursor")
        .problem(400, ProblemType.INVALID_CONSUMER_NAME);
    call("PUT", "/consumers/billing/cursor", "application/json", "{\"cursor\":\"x\"}")
        .problem(400, ProblemType.INVALID_CURSOR);
    get("/consumers/billing/cursor").problem(404, ProblemType.CONSUMER_NOT_FOUND);
  }
}
