package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.placement.PlacementConfig;
import io.fossil.storage.Keyspace;
import io.fossil.storage.PolicyRecord;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ring waits for the nodes the cluster first started with, whatever a later node's voters say:
 * growing the voters from three to five must not change what a replica replaying the log computes
 * (ADR 29).
 */
class SharedPolicyTest {

  private final KvStore store = KvStores.open("mem:policy-" + UUID.randomUUID());

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void theFirstNodesValueIsStoredAndEveryLaterNodeTakesIt() throws Exception {
    PlacementConfig three = new PlacementConfig(8, 3, 5_000, 4);
    PlacementConfig five = new PlacementConfig(8, 5, 5_000, 4);

    assertThat(SharedPolicy.agree(store, "n1", three, Duration.ofSeconds(10))).isEqualTo(three);
    assertThat(store.get(Keyspace.policyKey()).get(10, TimeUnit.SECONDS).map(PolicyRecord::decode))
        .contains(new PolicyRecord(3));
    PlacementConfig agreed = SharedPolicy.agree(store, "n4", five, Duration.ofSeconds(10));
    assertThat(agreed.expectedVoters()).isEqualTo(3);
    assertThat(agreed.ringSegments()).isEqualTo(8);
    assertThat(agreed.leaseMillis()).isEqualTo(5_000);
  }

  @Test
  void nodesStartingTogetherAgreeOnOneValue() throws Exception {
    CompletableFuture<PlacementConfig> a =
        SharedPolicy.agree(store, "n1", new PlacementConfig(8, 3, 5_000, 4));
    CompletableFuture<PlacementConfig> b =
        SharedPolicy.agree(store, "n2", new PlacementConfig(8, 4, 5_000, 4));
    int first = a.get(10, TimeUnit.SECONDS).expectedVoters();
    assertThat(b.get(10, TimeUnit.SECONDS).expectedVoters()).isEqualTo(first);
    assertThat(store.get(Keyspace.policyKey()).get(10, TimeUnit.SECONDS).map(PolicyRecord::decode))
        .contains(new PolicyRecord(first));
  }
}
