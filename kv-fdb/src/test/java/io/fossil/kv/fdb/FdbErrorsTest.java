package io.fossil.kv.fdb;

import static io.fossil.kv.fdb.FdbErrors.Phase.BEFORE_COMMIT;
import static io.fossil.kv.fdb.FdbErrors.Phase.COMMIT;
import static io.fossil.kv.fdb.FdbErrors.Verdict.FAIL;
import static io.fossil.kv.fdb.FdbErrors.Verdict.RETRY;
import static io.fossil.kv.fdb.FdbErrors.Verdict.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import com.apple.foundationdb.FDBException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The error table, checked without libfdb_c: FDBException's constructor is plain Java. */
class FdbErrorsTest {

  @ParameterizedTest(name = "{0} ({1}): before commit {2}, during commit {3}")
  @CsvSource({
    // certainly not committed, retryable (fdb_c's RETRYABLE_NOT_COMMITTED predicate, 7.3.68)
    "transaction_too_old,                1007, RETRY,  RETRY",
    "future_version,                     1009, RETRY,  RETRY",
    "not_committed,                      1020, RETRY,  RETRY",
    "process_behind,                     1037, RETRY,  RETRY",
    "database_locked,                    1038, RETRY,  RETRY",
    "commit_proxy_memory_limit_exceeded, 1042, RETRY,  RETRY",
    "batch_transaction_throttled,        1051, RETRY,  RETRY",
    "grv_proxy_memory_limit_exceeded,    1078, RETRY,  RETRY",
    "tag_throttled,                      1213, RETRY,  RETRY",
    "proxy_tag_throttled,                1223, RETRY,  RETRY",
    // maybe committed once a commit was sent
    "commit_unknown_result,              1021, RETRY,  UNKNOWN",
    "cluster_version_changed,            1039, RETRY,  UNKNOWN",
    "transaction_timed_out,              1031, RETRY,  UNKNOWN",
    "commit_unknown_result_fatal,        1022, FAIL,   UNKNOWN",
    "request_maybe_delivered,            1030, FAIL,   UNKNOWN",
    "transaction_cancelled,              1025, FAIL,   UNKNOWN",
    "operation_cancelled,                1101, FAIL,   UNKNOWN",
    // refused by the client before sending: certainly not committed, not retryable
    "transaction_too_large,              2101, FAIL,   FAIL",
    "key_too_large,                      2102, FAIL,   FAIL",
    "value_too_large,                    2103, FAIL,   FAIL",
    "key_outside_legal_range,            2004, FAIL,   FAIL",
    "inverted_range,                     2005, FAIL,   FAIL",
    "client_invalid_operation,           2000, FAIL,   FAIL",
    "transaction_read_only,              2023, FAIL,   FAIL",
    // anything else: fail if nothing was sent, otherwise we cannot prove it did not commit
    "internal_error,                     4100, FAIL,   UNKNOWN",
    "io_error,                           1510, FAIL,   UNKNOWN",
    "used_during_commit,                 2017, FAIL,   UNKNOWN",
    "tenant_not_found,                   2131, FAIL,   UNKNOWN",
  })
  void verdicts(
      String name, int code, FdbErrors.Verdict beforeCommit, FdbErrors.Verdict duringCommit) {
    FDBException e = new FDBException(name, code);
    assertThat(FdbErrors.classify(e, BEFORE_COMMIT)).isEqualTo(beforeCommit);
    assertThat(FdbErrors.classify(e, COMMIT)).isEqualTo(duringCommit);
  }

  @Test
  void theSetsMirrorFdbCsPredicatesIn73() {
    // bindings/c/fdb_c.cpp, fdb_error_predicate, at tag 7.3.68.
    assertThat(FdbErrors.RETRYABLE_NOT_COMMITTED)
        .containsExactlyInAnyOrder(1020, 1007, 1009, 1038, 1078, 1042, 1051, 1037, 1213, 1223);
    assertThat(FdbErrors.MAYBE_COMMITTED).contains(1021, 1039);
    assertThat(FdbErrors.MAYBE_COMMITTED).containsAll(FdbErrors.RETRYABLE_BEFORE_COMMIT);
  }

  @Test
  void theSetsAreDisjoint() {
    Set<Integer> all = new HashSet<>();
    int total =
        FdbErrors.RETRYABLE_NOT_COMMITTED.size()
            + FdbErrors.MAYBE_COMMITTED.size()
            + FdbErrors.REJECTED_BEFORE_SENDING.size();
    all.addAll(FdbErrors.RETRYABLE_NOT_COMMITTED);
    all.addAll(FdbErrors.MAYBE_COMMITTED);
    all.addAll(FdbErrors.REJECTED_BEFORE_SENDING);
    assertThat(all).hasSize(total);
  }

  @Test
  void errorsThatAreNotFromFoundationDbFailBeforeACommitAndAreUnknownAfter() {
    RuntimeException other = new IllegalStateException("Future has been closed");
    assertThat(FdbErrors.classify(other, BEFORE_COMMIT)).isEqualTo(FAIL);
    assertThat(FdbErrors.classify(other, COMMIT)).isEqualTo(UNKNOWN);
  }

  @Test
  void wrappersAreLookedThrough() {
    FDBException conflict = new FDBException("not_committed", 1020);
    Throwable wrapped = new CompletionException(new ExecutionException(conflict));
    assertThat(FdbErrors.unwrap(wrapped)).isSameAs(conflict);
    assertThat(FdbErrors.classify(wrapped, COMMIT)).isEqualTo(RETRY);
    assertThat(FdbErrors.classify(new CompletionException(new FDBException("x", 1021)), COMMIT))
        .isEqualTo(UNKNOWN);
    assertThat(FdbErrors.unwrap(new CompletionException((Throwable) null)))
        .isInstanceOf(CompletionException.class);
  }

  @Test
  void descriptionsNameTheError() {
    assertThat(FdbErrors.describe(new FDBException("Transaction not committed", 1020)))
        .isEqualTo("not_committed (1020)");
    assertThat(FdbErrors.describe(new FDBException("Something new", 9999)))
        .isEqualTo("Something new (9999)");
    assertThat(FdbErrors.describe(new CompletionException(new IllegalStateException("boom"))))
        .isEqualTo("IllegalStateException: boom");
    assertThat(FdbErrors.name(1021)).isEqualTo("commit_unknown_result");
    assertThat(FdbErrors.name(4242)).isEqualTo("error 4242");
  }
}
