package io.fossil.kv.fdb;

import com.apple.foundationdb.FDBException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What a FoundationDB error means for one attempt of an operation: try again, report the outcome as
 * unknown, or fail. A pure-Java table of error codes, because {@link FDBException#isRetryable()}
 * and {@link FDBException#isMaybeCommitted()} call into libfdb_c (so they cannot be unit tested
 * without it) and because the client's own predicates do not say which errors may have committed
 * once a commit was sent.
 *
 * <p>The codes come from FoundationDB 7.3.68: {@code flow/include/flow/error_definitions.h} (names
 * and numbers), {@code fdb_error_predicate} in {@code bindings/c/fdb_c.cpp} (the retryable and
 * maybe-committed sets) and the developer guide's "Non-Retryable Errors" section (a timeout or a
 * cancellation during a commit leaves the commit in flight).
 *
 * <table>
 *   <caption>Verdicts</caption>
 *   <tr><th>codes</th><th>before commit</th><th>after commit was sent</th></tr>
 *   <tr><td>{@link #RETRYABLE_NOT_COMMITTED}: 1007, 1009, 1020, 1037, 1038, 1042, 1051, 1078,
 *       1213, 1223</td><td>RETRY</td><td>RETRY (certainly not committed)</td></tr>
 *   <tr><td>{@link #MAYBE_COMMITTED}: 1021 commit_unknown_result, 1039 cluster_version_changed
 *       (fdb_c's maybe-committed predicate); 1022 commit_unknown_result_fatal, 1030
 *       request_maybe_delivered (their names say so); 1031 transaction_timed_out, 1025
 *       transaction_cancelled, 1101 operation_cancelled (they abandon a commit that may still
 *       apply)</td><td>RETRY for 1021, 1039 and 1031 (nothing was sent; fdb_c calls the first
 *       two retryable, and a timed-out read is worth another try), FAIL for the others</td>
 *       <td>UNKNOWN</td></tr>
 *   <tr><td>{@link #REJECTED_BEFORE_SENDING}: 2000, 2004, 2005, 2006, 2007, 2023, 2101, 2102,
 *       2103 (checked by the client before anything leaves the process)</td><td>FAIL</td>
 *       <td>FAIL</td></tr>
 *   <tr><td>anything else, including non-FoundationDB exceptions</td><td>FAIL</td>
 *       <td>UNKNOWN (not provably uncommitted)</td></tr>
 * </table>
 *
 * <p>"Before commit" covers getting a read version and reading: a write attempt that fails there
 * has sent nothing to a commit proxy, so even a timeout is safe to retry.
 */
final class FdbErrors {

  /** What the retry loop does with a failed attempt. */
  enum Verdict {
    /** Certainly not committed and worth another attempt (after a back-off). */
    RETRY,
    /** May have committed, now or later: report {@code WriteOutcome.Unknown}. */
    UNKNOWN,
    /** Certainly not committed and not worth retrying: fail with a {@code KvException}. */
    FAIL
  }

  /** Where in an attempt the error happened. */
  enum Phase {
    /** Read version, reads, local mutations: nothing has been sent for commit. */
    BEFORE_COMMIT,
    /** {@code commit()} was called: the commit may have reached a commit proxy. */
    COMMIT
  }

  static final int NOT_COMMITTED = 1020;
  static final int COMMIT_UNKNOWN_RESULT = 1021;
  static final int TRANSACTION_TIMED_OUT = 1031;

  /**
   * fdb_c's {@code FDB_ERROR_PREDICATE_RETRYABLE_NOT_COMMITTED} in 7.3: the transaction certainly
   * did not commit and a fresh attempt may succeed.
   */
  static final Set<Integer> RETRYABLE_NOT_COMMITTED =
      Set.of(
          1007, // transaction_too_old
          1009, // future_version
          1020, // not_committed (a conflict)
          1037, // process_behind
          1038, // database_locked
          1042, // commit_proxy_memory_limit_exceeded
          1051, // batch_transaction_throttled
          1078, // grv_proxy_memory_limit_exceeded
          1213, // tag_throttled
          1223); // proxy_tag_throttled

  /**
   * Errors after which a commit that was sent may have applied, or may still apply. The first two
   * are fdb_c's {@code FDB_ERROR_PREDICATE_MAYBE_COMMITTED}; the others abandon a commit in flight.
   */
  static final Set<Integer> MAYBE_COMMITTED =
      Set.of(
          1021, // commit_unknown_result
          1039, // cluster_version_changed
          1022, // commit_unknown_result_fatal
          1030, // request_maybe_delivered
          1031, // transaction_timed_out
          1025, // transaction_cancelled
          1101); // operation_cancelled

  /** Errors of {@link #MAYBE_COMMITTED} that are worth retrying when no commit was sent. */
  static final Set<Integer> RETRYABLE_BEFORE_COMMIT =
      Set.of(
          1021, // commit_unknown_result (fdb_c: retryable)
          1039, // cluster_version_changed (fdb_c: retryable)
          1031); // transaction_timed_out (our per-attempt timeout; the operation deadline bounds

  // it)

  /** Refused by the client library itself, before anything was sent: certainly not committed. */
  static final Set<Integer> REJECTED_BEFORE_SENDING =
      Set.of(
          2000, // client_invalid_operation
          2004, // key_outside_legal_range
          2005, // inverted_range
          2006, // invalid_option_value
          2007, // invalid_option
          2023, // transaction_read_only
          2101, // transaction_too_large
          2102, // key_too_large
          2103); // value_too_large

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1007, "transaction_too_old"),
          Map.entry(1009, "future_version"),
          Map.entry(1020, "not_committed"),
          Map.entry(1021, "commit_unknown_result"),
          Map.entry(1022, "commit_unknown_result_fatal"),
          Map.entry(1025, "transaction_cancelled"),
          Map.entry(1030, "request_maybe_delivered"),
          Map.entry(1031, "transaction_timed_out"),
          Map.entry(1037, "process_behind"),
          Map.entry(1038, "database_locked"),
          Map.entry(1039, "cluster_version_changed"),
          Map.entry(1042, "commit_proxy_memory_limit_exceeded"),
          Map.entry(1051, "batch_transaction_throttled"),
          Map.entry(1078, "grv_proxy_memory_limit_exceeded"),
          Map.entry(1101, "operation_cancelled"),
          Map.entry(1213, "tag_throttled"),
          Map.entry(1223, "proxy_tag_throttled"),
          Map.entry(1515, "no_cluster_file_found"),
          Map.entry(2000, "client_invalid_operation"),
          Map.entry(2004, "key_outside_legal_range"),
          Map.entry(2005, "inverted_range"),
          Map.entry(2006, "invalid_option_value"),
          Map.entry(2007, "invalid_option"),
          Map.entry(2023, "transaction_read_only"),
          Map.entry(2101, "transaction_too_large"),
          Map.entry(2102, "key_too_large"),
          Map.entry(2103, "value_too_large"),
          Map.entry(2104, "connection_string_invalid"),
          Map.entry(2203, "api_version_not_supported"));

  private FdbErrors() {}

  /**
   * The verdict for {@code error} (possibly wrapped in a completion exception) in {@code phase}.
   */
  static Verdict classify(Throwable error, Phase phase) {
    Throwable cause = unwrap(error);
    if (!(cause instanceof FDBException fdb)) {
      return phase == Phase.BEFORE_COMMIT ? Verdict.FAIL : Verdict.UNKNOWN;
    }
    int code = fdb.getCode();
    if (RETRYABLE_NOT_COMMITTED.contains(code)) {
      return Verdict.RETRY;
    }
    if (MAYBE_COMMITTED.contains(code)) {
      if (phase == Phase.COMMIT) {
        return Verdict.UNKNOWN;
      }
      return RETRYABLE_BEFORE_COMMIT.contains(code) ? Verdict.RETRY : Verdict.FAIL;
    }
    if (REJECTED_BEFORE_SENDING.contains(code)) {
      return Verdict.FAIL;
    }
    return phase == Phase.BEFORE_COMMIT ? Verdict.FAIL : Verdict.UNKNOWN;
  }

  /** Strips the wrappers that futures add around the real failure. */
  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The FoundationDB name of {@code code}, or "error N" for codes outside this table. */
  static String name(int code) {
    return NAMES.getOrDefault(code, "error " + code);
  }

  /** A short description for messages: {@code not_committed (1020)} or the exception's class. */
  static String describe(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof FDBException fdb) {
      String name = NAMES.get(fdb.getCode());
      return (name != null ? name : fdb.getMessage()) + " (" + fdb.getCode() + ")";
    }
    return cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }
}
