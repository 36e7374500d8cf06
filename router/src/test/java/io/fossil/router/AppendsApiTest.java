package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.owner.SegmentAppender;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How each outcome of an append is answered: status, body, headers and problem type. */
class AppendsApiTest extends ApiTestServer {

  static final String STREAM = "/streams/orders-1";

  @Test
  void aCommittedAppendIs201WithItsPositions() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);

    Response r = postJson(STREAM, events(-1L, "a", "b"));

    assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = r.json();
    assertThat(body.path("stream").asText()).isEqualTo("orders-1");
    assertThat(body.path("firstPosition").asLong()).isZero();
    assertThat(body.path("position").asLong()).isEqualTo(1);
    assertThat(body.path("globalPosition").asText()).isEqualTo(FakeNode.RING + "@1");
    JsonNode read = get(STREAM).json();
    assertThat(read.path("events")).hasSize(2);
  }

  @Test
  void theSameAppendAgainIs200WithTheFirstOnesPositionsAndWritesNothing() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    JsonNode first = postJson(STREAM, events(null, "a", "b")).json();

    Response again = postJson(STREAM, events(null, "a", "b"));

    assertThat(again.status()).as(again.raw().body()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(first);
    assertThat(get(STREAM).json().path("events")).hasSize(2);
  }

  @Test
  void anotherNodesStreamIs307ToItsOwnerWithThePlacementVersionAndHop() {
    node.view = FakeNode.view(FakeNode.RING, FakeNode.OTHER);

    Response r = postJson(STREAM + "?hop=1", events(null, "a"));

    String location = "http://other.example:8080" + STREAM + "?pv=7&hop=2";
    assertThat(r.status()).as(r.raw().body()).isEqualTo(307);
    assertThat(r.header("Location")).isEqualTo(location);
    assertThat(r.json().path("owner").asText()).isEqualTo(FakeNode.OTHER);
    assertThat(r.json().path("location").asText()).isEqualTo(location);
  }

  @Test
  void tooManyHopsIs503WithRetryAfter() {
    node.view = FakeNode.view(FakeNode.RING, FakeNode.OTHER);

    Response r = postJson(STREAM + "?hop=4", events(null, "a"));

    r.problem(503, ProblemType.TOO_MANY_HOPS);
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void aHopCountPastTheIntRangeIsStillTooMany() {
    node.view = FakeNode.view(FakeNode.RING, FakeNode.OTHER);

    // Cast to int, 2^31 was negative and passed the bound, and 2^32 was 0.
    postJson(STREAM + "?hop=2147483648", events(null, "a")).problem(503, ProblemType.TOO_MANY_HOPS);
    postJson(STREAM + "?hop=4294967296", events(null, "a")).problem(503, ProblemType.TOO_MANY_HOPS);
  }

  @Test
  void aWrongExpectedPositionIs409WithBothPositions() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    postJson(STREAM, events(null, "a", "b"));

    Response r = postJson(STREAM, events(5L, "c"));

    JsonNode p = r.problem(409, ProblemType.WRONG_EXPECTED_POSITION);
    assertThat(p.path("stream").asText()).isEqualTo("orders-1");
    assertThat(p.path("expectedPosition").asLong()).isEqualTo(5);
    assertThat(p.path("actualPosition").asLong()).isEqualTo(1);
    assertThat(r.header("Retry-After")).isNull();
  }

  @Test
  void anEventIdReusedForAnotherEventIs409IdempotencyConflict() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    postJson(STREAM, events(null, "a"));

    Response r = postJson(STREAM, "{\"events\":[{\"id\":\"a\",\"type\":\"Other\",\"data\":1}]}");

    JsonNode p = r.problem(409, ProblemType.IDEMPOTENCY_CONFLICT);
    assertThat(p.path("eventId").asText()).isEqualTo("a");
  }

  @Test
  void noOpenSegmentIs503NoOwnerWithRetryAfter() {
    node.view = FakeNode.unassigned();

    Response r = postJson(STREAM, events(null, "a"));

    r.problem(503, ProblemType.NO_OWNER);
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void aSegmentOwnedHereWithoutAnAppenderYetIs503NoOwner() {
    Response r = postJson(STREAM, events(null, "a"));

    JsonNode p = r.problem(503, ProblemType.NO_OWNER);
    assertThat(p.path("detail").asText()).contains("being handed to this node");
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void aFullQueueIs503OverloadedWithRetryAfter() {
    node.runAppender(
        FakeNode.RING, new SegmentAppender.Config(0, 16, Duration.ofSeconds(1), 16, false));

    Response r = postJson(STREAM, events(null, "a"));

    r.problem(503, ProblemType.OVERLOADED);
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void aWriteTheStoreCannotConfirmIs503OutcomeUnknownWithRetryAfter() {
    node.runAppender(FakeNode.RING, new SegmentAppender.Config(16, 16, Duration.ZERO, 16, false));
    node.appenderStore.unknown = true;

    Response r = postJson(STREAM, events(null, "a"));

    JsonNode p = r.problem(503, ProblemType.OUTCOME_UNKNOWN);
    assertThat(p.path("detail").asText()).contains("retry with the same event ids");
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void anAppendTheLimitsRefuseIsAProblemOfItsCodeAndReachesNoAppender() {
    Response empty = postJson(STREAM, "{\"events\":[]}");
    Response duplicate = postJson(STREAM, events(null, "a", "a"));

    empty.problem(400, ProblemType.EMPTY_APPEND);
    duplicate.problem(400, ProblemType.DUPLICATE_EVENT_ID);
  }
}
