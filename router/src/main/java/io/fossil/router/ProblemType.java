package io.fossil.router;

/**
 * Every error the HTTP API answers with, one stable {@code type} each (RFC 9457 problem details).
 * The type URI is {@code urn:fossil:problem:<slug>}; clients switch on it, people read the detail.
 */
public enum ProblemType {
  BAD_REQUEST(400, "bad-request", "The request could not be understood"),
  REQUEST_LINE_TOO_LONG(414, "request-line-too-long", "The request line is longer than the limit"),
  HEADERS_TOO_LARGE(431, "headers-too-large", "The request headers are larger than the limit"),
  MALFORMED_JSON(400, "malformed-json", "The body is not valid JSON"),
  JSON_TOO_DEEP(400, "json-too-deep", "The JSON body is nested too deeply"),
  UNKNOWN_FIELD(400, "unknown-field", "The body has a field this API does not know"),
  INVALID_FIELD(400, "invalid-field", "A field is missing or has the wrong type"),
  INVALID_STREAM_NAME(400, "invalid-stream-name", "The stream name is not valid"),
  INVALID_EVENT_TYPE(400, "invalid-event-type", "An event type is not valid"),
  INVALID_EVENT_ID(400, "invalid-event-id", "An event id is not valid"),
  EMPTY_APPEND(400, "empty-append", "An append needs at least one event"),
  DUPLICATE_EVENT_ID(400, "duplicate-event-id", "An event id appears twice in one append"),
  INVALID_EXPECTED_POSITION(
      400, "invalid-expected-position", "The expected position is not an integer >= -1"),
  EVENT_TOO_LARGE(413, "event-too-large", "An event is larger than the limit"),
  APPEND_TOO_LARGE(413, "append-too-large", "The append does not fit in one storage write"),
  BODY_TOO_LARGE(413, "body-too-large", "The request body is larger than the limit"),
  INVALID_PARAMETER(400, "invalid-parameter", "A query parameter has an invalid value"),
  INVALID_CURSOR(400, "invalid-cursor", "The cursor is not one this cluster can resume from"),
  CURSOR_EXPIRED(
      410,
      "cursor-expired",
      "The cursor or position names history compacted longer ago than the translation grace"),
  UNKNOWN_PARAMETER(400, "unknown-parameter", "A query parameter this route does not know"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "The body must be application/json"),
  EXPECTATION_FAILED(
      417, "expectation-failed", "The Expect header asks for something this server does not do"),
  NOT_FOUND(404, "not-found", "No such resource"),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "This method is not allowed here"),
  WRONG_EXPECTED_POSITION(
      409, "wrong-expected-position", "The stream is not at the expected position"),
  IDEMPOTENCY_CONFLICT(
      409, "idempotency-conflict", "Event ids were reused for different events or partially"),
  PLACEMENT_REJECTED(409, "placement-rejected", "The placement group refused the change"),
  /**
   * A split would open more segments than the cluster's cap (placement's {@code maxOpenSegments});
   * nothing changed. The detail names the cap.
   */
  SEGMENT_CAP(409, "segment-cap", "The cluster has as many open segments as its cap allows"),
  COMPACTION_RUNNING(409, "compaction-running", "A compaction pass is already running here"),
  /** {@code /admin/voters} names a node that is not a placement voter (ADR 29). */
  UNKNOWN_VOTER(404, "unknown-voter", "No such placement voter"),
  VOTERS_UNCHANGED(409, "voters-unchanged", "The placement group already has these voters"),
  /**
   * The voters that answer the leader now would not be a majority of the new configuration: the
   * change could not commit and the group would stop. Nothing changed.
   */
  NO_LIVE_MAJORITY(
      409,
      "no-live-majority",
      "The change would leave the placement group without a live majority"),
  /** A change may add fewer voters than it keeps (Raft could otherwise elect no leader). */
  TOO_MANY_NEW_VOTERS(409, "too-many-new-voters", "The change adds as many voters as it keeps"),
  /** Another change of the voters is under way, or the voters changed meanwhile; retry. */
  VOTERS_CHANGING(409, "voters-changing", "The placement voters are changing"),
  /**
   * A new voter did not answer or catch up in time; nothing changed, except that a replace had
   * already removed the voter (the detail says so).
   */
  VOTER_NOT_CAUGHT_UP(409, "voter-not-caught-up", "A new voter did not catch up in time"),
  /** Only a placement voter may change the voters: send the request to one. */
  NOT_A_VOTER(409, "not-a-voter", "This node is not a placement voter"),
  UNKNOWN_SEGMENT(404, "unknown-segment", "No such segment"),
  INVALID_CONSUMER_NAME(400, "invalid-consumer-name", "The consumer name is not valid"),
  CONSUMER_NOT_FOUND(404, "consumer-not-found", "No cursor is stored for this consumer"),
  WRONG_EXPECTED_CURSOR(
      409, "wrong-expected-cursor", "The consumer's stored cursor is not the expected one"),
  CURSOR_TOO_LARGE(413, "cursor-too-large", "The cursor does not fit in one storage write"),
  CURSOR_OUTCOME_UNKNOWN(
      503,
      "cursor-outcome-unknown",
      "The storage could not confirm whether the consumer's cursor changed; retry"),
  STORE_UNAVAILABLE(503, "store-unavailable", "The storage did not answer in time"),
  NO_OWNER(503, "no-owner", "No node owns the stream's segment right now"),
  OVERLOADED(503, "overloaded", "The owner has too many appends queued"),
  OUTCOME_UNKNOWN(
      503, "outcome-unknown", "The append may or may not have committed; retry with the same ids"),
  TOO_MANY_HOPS(503, "too-many-hops", "The request was redirected too many times"),
  PLACEMENT_UNAVAILABLE(503, "placement-unavailable", "The placement group cannot be reached"),
  NOT_READY(503, "not-ready", "This node is not ready"),
  /** No credentials, or a bearer token or client certificate that is not accepted. */
  UNAUTHENTICATED(401, "unauthenticated", "The request carries no accepted credentials"),
  /** The principal lacks the permission the problem's {@code permission} member names. */
  FORBIDDEN(403, "forbidden", "The caller lacks the permission this request needs"),
  /**
   * A state-changing request (POST, PUT, DELETE) with neither an Authorization header nor a JSON
   * content type: what a cross-site form post looks like, refused before it is handled.
   */
  CROSS_SITE_REQUEST(
      403,
      "cross-site-request",
      "A state-changing request needs an Authorization header or a JSON content type"),
  /** The principal's request rate is over its limit; {@code Retry-After} says when to retry. */
  RATE_LIMITED(429, "rate-limited", "Too many requests from this caller"),
  /** The node's or the principal's cap on open live tails is reached. */
  TOO_MANY_LIVE_TAILS(429, "too-many-live-tails", "Too many live tails are open"),
  /** The node's cap on concurrent consumer waits is reached. */
  TOO_MANY_WAITS(429, "too-many-waits", "Too many consumer waits are open on this node"),
  /** The node's cap on open connections is reached; the connection is closed after this. */
  TOO_MANY_CONNECTIONS(503, "too-many-connections", "This node has too many open connections"),
  /**
   * The token keys (JWKS) could not be loaded, so no token can be checked; not the client's fault.
   */
  AUTHENTICATION_UNAVAILABLE(
      503, "authentication-unavailable", "Credentials cannot be checked right now"),
  INTERNAL(500, "internal", "Internal error");

  private final int status;
  private final String slug;
  private final String title;

  ProblemType(int status, String slug, String title) {
    this.status = status;
    this.slug = slug;
    this.title = title;
  }

  public int status() {
    return status;
  }

  public String uri() {
    return "urn:fossil:problem:" + slug;
  }

  public String title() {
    return title;
  }
}
