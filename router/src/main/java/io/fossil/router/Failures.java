package io.fossil.router;

import io.fossil.kv.KvException;
import io.fossil.kv.KvLimitExceededException;
import io.fossil.owner.InvalidAppendException;
import io.fossil.placement.ExpiredPositionException;
import io.fossil.placement.PlacementReply;
import io.fossil.position.InvalidCursorException;
import io.fossil.security.TokenRejectedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from domain failures to {@link ProblemType} (ADR 0015): the error codes of {@link
 * InvalidAppendException} and {@link PlacementReply.Rejected}, invalid and expired cursors, the
 * store failing, and anything else. It is also the one place that unwraps a {@link
 * CompletionException}. The code tables are exhaustive switches, so a new code does not compile
 * until it has a problem type. Stateless and thread-safe.
 */
final class Failures {

  // Logged under the API's name, as before the HTTP API was split by resource.
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  private Failures() {}

  /** The failure a future completed with: the cause of a {@link CompletionException}. */
  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  /** The problem type of an append refused as written. */
  static ProblemType problemType(InvalidAppendException.Code code) {
    return switch (code) {
      case INVALID_STREAM_NAME -> ProblemType.INVALID_STREAM_NAME;
      case INVALID_EVENT_TYPE -> ProblemType.INVALID_EVENT_TYPE;
      case INVALID_EVENT_ID -> ProblemType.INVALID_EVENT_ID;
      case EMPTY_APPEND -> ProblemType.EMPTY_APPEND;
      case DUPLICATE_EVENT_ID -> ProblemType.DUPLICATE_EVENT_ID;
      case EVENT_TOO_LARGE -> ProblemType.EVENT_TOO_LARGE;
      case APPEND_TOO_LARGE -> ProblemType.APPEND_TOO_LARGE;
      case INVALID_EXPECTED_POSITION -> ProblemType.INVALID_EXPECTED_POSITION;
    };
  }

  /** The problem type of a command the placement group refused (admin routes). */
  static ProblemType problemType(PlacementReply.Code code) {
    return switch (code) {
      case UNKNOWN_SEGMENT -> ProblemType.UNKNOWN_SEGMENT;
      case BAD_SPLIT_POINT -> ProblemType.INVALID_PARAMETER;
      case SEGMENT_CAP -> ProblemType.SEGMENT_CAP;
      case UNKNOWN_MEMBER,
          STALE_INCARNATION,
          SEGMENT_NOT_OPEN,
          NOT_ADJACENT,
          NO_LIVE_TARGET,
          SEQUENCES_EXHAUSTED,
          CONFLICT,
          NOT_INITIALIZED,
          NOT_COMPACTABLE,
          FORBIDDEN ->
          ProblemType.PLACEMENT_REJECTED;
    };
  }

  /**
   * The problem type of a refused bearer token: the client's fault (401) except when the keys could
   * not be loaded at all (503).
   */
  static ProblemType problemType(TokenRejectedException.Reason reason) {
    return switch (reason) {
      case KEYS_UNAVAILABLE -> ProblemType.AUTHENTICATION_UNAVAILABLE;
      case MALFORMED,
          ALGORITHM_NOT_ALLOWED,
          UNKNOWN_KEY,
          BAD_SIGNATURE,
          WRONG_ISSUER,
          WRONG_AUDIENCE,
          EXPIRED,
          NOT_YET_VALID ->
          ProblemType.UNAUTHENTICATED;
    };
  }

  /**
   * A refused token: its reason code as the {@code reason} member and, for a 401, the {@code
   * WWW-Authenticate} challenge that names it (RFC 6750, section 3).
   */
  static Problem tokenRejected(TokenRejectedException e) {
    ProblemType type = problemType(e.reason());
    Problem p = new Problem(type, e.getMessage()).with("reason", e.reason().code());
    return type == ProblemType.UNAUTHENTICATED
        ? p.challenge(
            "Bearer realm=\"fossil\", error=\"invalid_token\", error_description=\""
                + e.reason().code()
                + "\"")
        : p.retryAfter(5);
  }

  /** No credentials at all: a 401 with the bare challenge. */
  static Problem unauthenticated(String detail) {
    return new Problem(ProblemType.UNAUTHENTICATED, detail).challenge("Bearer realm=\"fossil\"");
  }

  static Problem invalidAppend(InvalidAppendException e) {
    return new Problem(problemType(e.code()), e.getMessage());
  }

  /** A refusal, with its code as the {@code code} member. */
  static Problem rejected(PlacementReply.Rejected r) {
    return new Problem(problemType(r.code()), r.message()).with("code", r.code().name());
  }

  static Problem invalidCursor(InvalidCursorException e) {
    return new Problem(ProblemType.INVALID_CURSOR, "the cursor " + e.getMessage());
  }

  static Problem expired(ExpiredPositionException e) {
    return new Problem(ProblemType.CURSOR_EXPIRED, "the cursor " + e.getMessage());
  }

  /**
   * What a failure means to a client: the problem a domain failure stands for, or the unwrapped
   * failure itself when it is none of them.
   */
  static Throwable cause(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof InvalidAppendException e) {
      return invalidAppend(e);
    }
    if (cause instanceof InvalidCursorException e) {
      return invalidCursor(e);
    }
    if (cause instanceof ExpiredPositionException e) {
      return expired(e);
    }
    if (cause instanceof TokenRejectedException e) {
      return tokenRejected(e);
    }
    return cause;
  }

  /**
   * The problem a failure stands for ({@code what} names the request in the log). The store not
   * answering, or answering with an error, is a 503 the client may retry, logged without a stack
   * trace; anything else unexpected is a 500, logged with one.
   */
  static Problem problem(Throwable error, String what) {
    Throwable cause = cause(error);
    if (cause instanceof Problem problem) {
      return problem;
    }
    if (cause instanceof TimeoutException
        || cause instanceof KvException && !(cause instanceof KvLimitExceededException)) {
      LOG.warn("{} failed in the store: {}", what, cause.toString());
      return new Problem(
              ProblemType.STORE_UNAVAILABLE,
              "the storage failed or did not answer (" + cause + "); retry")
          .retryAfter(1);
    }
    LOG.error("{} failed", what, cause);
    return new Problem(ProblemType.INTERNAL, "internal error: " + cause);
  }
}
