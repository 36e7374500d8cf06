package io.fossil.kv.etcd;

import io.etcd.jetcd.support.Errors;
import io.fossil.kv.WriteOutcome;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Decides what a failed etcd call means for the SPI. The rule is conservative: once a request may
 * have left this process, only a refusal that etcd documents as happening before the request is
 * applied (validation, auth, quota) proves the write did not happen; everything else (deadline,
 * lost connection, leader change, "request timed out") is an unknown outcome. Stateless.
 */
final class EtcdFailures {

  private static final String SERVER_PREFIX = "etcdserver:";

  private EtcdFailures() {}

  /** The failure without its CompletionException/ExecutionException wrappers. */
  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** The gRPC status in the failure's cause chain, UNKNOWN when there is none. */
  static Status status(Throwable t) {
    return Status.fromThrowable(unwrap(t));
  }

  /**
   * Whether etcd certainly did not apply the request. etcd validates a transaction (too many
   * operations, request too large, duplicate keys), checks auth and the space quota before it
   * proposes the request to raft, and re-checks auth and quota when applying without applying a
   * refused request; those refusals carry an {@code etcdserver:} message with these codes.
   * Authentication failures happen before the request is sent at all.
   */
  static boolean certainlyNotApplied(Status status) {
    String description = status.getDescription();
    boolean fromServer = description != null && description.startsWith(SERVER_PREFIX);
    return switch (status.getCode()) {
      case UNAUTHENTICATED, PERMISSION_DENIED -> true;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED -> fromServer;
      default -> false;
    };
  }

  /**
   * Whether the call was refused because the auth token expired or the auth store moved on: etcd
   * refuses those before applying anything, and jetcd has already dropped the stale token, so
   * sending the request once more is safe.
   */
  static boolean isStaleAuth(Throwable t) {
    Status status = status(t);
    return Errors.isInvalidTokenError(status) || Errors.isAuthStoreExpired(status);
  }

  /** The outcome of a write that failed after it may have been sent. */
  static WriteOutcome.Unknown unknown(Throwable t) {
    String reason =
        switch (status(t).getCode()) {
          case DEADLINE_EXCEEDED -> "etcd did not answer before the call deadline";
          case UNAVAILABLE -> "etcd became unavailable after the batch may have been sent";
          case CANCELLED -> "the call was cancelled after the batch may have been sent";
          default -> "the etcd call failed after the batch may have been sent";
        };
    return new WriteOutcome.Unknown(reason, unwrap(t));
  }

  /**
   * A short description for messages: code, etcd's text, and the cause a client-side status has.
   */
  static String describe(Throwable t) {
    Status status = status(t);
    StringBuilder out = new StringBuilder().append(status.getCode());
    if (status.getDescription() != null) {
      out.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null) {
      out.append(" (").append(status.getCause()).append(')');
    }
    return out.toString();
  }
}
