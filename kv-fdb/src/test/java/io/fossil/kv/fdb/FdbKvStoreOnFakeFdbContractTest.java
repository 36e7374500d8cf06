package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteOutcome;
import io.fossil.kv.tck.KvStoreContract;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

/**
 * The whole conformance suite against {@link FdbKvStore} wired to {@link FakeFdb} through
 * fdb-java's own interfaces, so the mapping (prefixes, precondition reads, paging, retries, close)
 * is checked on every machine. It does not stand in for {@link FdbKvStoreContractTest}, which runs
 * the same suite against a real cluster.
 */
class FdbKvStoreOnFakeFdbContractTest extends KvStoreContract {

  private static final FakeFdb FDB = new FakeFdb();
  private static final ExecutorService EXECUTOR =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fake-fdb");
            t.setDaemon(true);
            return t;
          });

  private final Set<String> prefixes = new LinkedHashSet<>();

  @Override
  protected KvStore open(String name) {
    String prefix = TckPrefixes.forTest(name);
    prefixes.add(prefix);
    return store(prefix);
  }

  private static FdbKvStore store(String prefix) {
    FdbStoreConfig config = FdbStoreConfig.parse("fdb:?prefix=" + prefix);
    return new FdbKvStore(
        FDB.database(),
        EXECUTOR,
        config,
        FdbRetryLoop.standard(config.operationTimeout(), EXECUTOR),
        () -> {});
  }

  @AfterEach
  void clearEveryPrefixAndLeakNothing() {
    for (String prefix : prefixes) {
      try (FdbKvStore s = store(prefix)) {
        assertThat(await(s.clearAll())).isEqualTo(WriteOutcome.COMMITTED);
      }
    }
    assertThat(FDB.liveKeys()).as("keys left behind by the test").isEmpty();
    assertThat(FDB.openTransactions()).as("transactions never closed").isZero();
  }

  @AfterAll
  static void stopExecutor() {
    EXECUTOR.shutdownNow();
  }
}
