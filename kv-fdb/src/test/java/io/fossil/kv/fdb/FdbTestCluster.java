package io.fossil.kv.fdb;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Decides, once per JVM, whether the suites that need a real FoundationDB cluster can run here.
 * They run when {@code FDB_CLUSTER_FILE} names a readable cluster file, libfdb_c loads, and the
 * cluster answers a read; otherwise each test is skipped with the reason, or the suite fails with
 * it when {@code FOSSIL_FDB_REQUIRED=true} (set that on machines that have FoundationDB, so a
 * broken setup cannot pass as a skip).
 */
final class FdbTestCluster {

  static final String CLUSTER_FILE_ENV = "FDB_CLUSTER_FILE";
  static final String REQUIRED_ENV = "FOSSIL_FDB_REQUIRED";

  private static Optional<String> unavailable; // null until probed

  private FdbTestCluster() {}

  /**
   * Probes the cluster (the first time) and returns why it cannot be used, if it cannot. Fails
   * instead when {@code FOSSIL_FDB_REQUIRED=true}.
   */
  static synchronized Optional<String> probe() {
    if (unavailable == null) {
      unavailable = findProblem();
    }
    if (unavailable.isPresent() && "true".equalsIgnoreCase(System.getenv(REQUIRED_ENV))) {
      fail(unavailable.get() + " (" + REQUIRED_ENV + "=true, so this is a failure, not a skip)");
    }
    return unavailable;
  }

  /** Skips the calling test, with the reason, unless the cluster is usable. */
  static String requireClusterFile() {
    probe().ifPresent(reason -> abort(reason));
    return System.getenv(CLUSTER_FILE_ENV);
  }

  private static Optional<String> findProblem() {
    String clusterFile = System.getenv(CLUSTER_FILE_ENV);
    if (clusterFile == null || clusterFile.isBlank()) {
      return Optional.of(
          CLUSTER_FILE_ENV
              + " is not set. To run the FoundationDB suite, install foundationdb-clients and"
              + " foundationdb-server 7.3, then export "
              + CLUSTER_FILE_ENV
              + "=/etc/foundationdb/fdb.cluster (see docs/foundationdb.md)");
    }
    if (!Files.isReadable(Path.of(clusterFile))) {
      return Optional.of(
          CLUSTER_FILE_ENV + "=" + clusterFile + " does not name a readable cluster file");
    }
    Optional<String> noLibrary = FdbRuntime.availability();
    if (noLibrary.isPresent()) {
      return noLibrary;
    }
    String probe = "fdb:" + clusterFile + "?prefix=tck-probe&operationTimeout=15s";
    try (FdbKvStore store = (FdbKvStore) new FdbKvStoreProvider().open(probe)) {
      store.get(new byte[0]).get(30, TimeUnit.SECONDS);
      return Optional.empty();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return Optional.of(
          "the FoundationDB cluster in "
              + clusterFile
              + " did not answer a read within 15 s ("
              + FdbErrors.describe(e)
              + "); is fdbserver running and the database configured"
              + " (fdbcli --exec 'configure new single memory')?");
    }
  }
}
