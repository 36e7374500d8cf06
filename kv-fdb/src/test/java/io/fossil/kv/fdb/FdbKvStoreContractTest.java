package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteOutcome;
import io.fossil.kv.tck.KvStoreContract;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite against a real FoundationDB cluster ({@code FDB_CLUSTER_FILE}); each test
 * is skipped, with the reason, where there is none (see {@link FdbTestCluster}). Each test works
 * under its own prefix {@code tck.<test>-<random>}, cleared afterwards, so runs can share a
 * cluster.
 *
 * <p>The cluster is probed once in {@code @BeforeAll}, but the skip happens per test (in {@link
 * #open}): Surefire reports a class aborted in {@code @BeforeAll} as "Tests run: 0" without the
 * reason (SUREFIRE-2300), which would hide why the suite did not run.
 */
class FdbKvStoreContractTest extends KvStoreContract {

  private final Set<String> prefixes = new LinkedHashSet<>();

  @BeforeAll
  static void probeCluster() {
    FdbTestCluster.probe()
        .ifPresent(reason -> System.err.println("FoundationDB suite skipped: " + reason));
  }

  @Override
  protected KvStore open(String name) {
    String clusterFile = FdbTestCluster.requireClusterFile();
    String prefix = TckPrefixes.forTest(name);
    prefixes.add(prefix);
    return new FdbKvStoreProvider().open(uri(clusterFile, prefix));
  }

  private static String uri(String clusterFile, String prefix) {
    return "fdb:" + clusterFile + "?prefix=" + prefix;
  }

  @AfterEach
  void clearPrefixes() {
    if (prefixes.isEmpty()) {
      return; // skipped before anything was opened
    }
    String clusterFile = FdbTestCluster.requireClusterFile();
    for (String prefix : prefixes) {
      try (FdbKvStore s = (FdbKvStore) new FdbKvStoreProvider().open(uri(clusterFile, prefix))) {
        assertThat(await(s.clearAll())).isEqualTo(WriteOutcome.COMMITTED);
      }
    }
  }
}
