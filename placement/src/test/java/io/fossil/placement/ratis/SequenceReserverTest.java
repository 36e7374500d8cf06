package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementController;
import io.fossil.placement.PlacementState;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class SequenceReserverTest {

  @Test
  void aRebuiltPlacementGroupNeverReusesSegmentIdsAndKeepsTheClusterId() throws Exception {
    try (KvStore store = KvStores.open("mem:")) {
      SequenceReserver reserver = new SequenceReserver(store);
      PlacementController first = group();
      reserveOnce(reserver, first);
      first.execute(new PlacementCommand.Register("n1", 1, "h", "r"), 1);
      long firstGroupLast = first.state().lastSeq();
      long highestIssued = first.state().nextSeq() - 1;
      assertThat(highestIssued).isPositive();
      String clusterId = first.state().clusterId().orElseThrow();

      PlacementController rebuilt = group();
      reserveOnce(reserver, rebuilt);
      assertThat(rebuilt.state().clusterId()).contains(clusterId);
      rebuilt.execute(new PlacementCommand.Register("n1", 1, "h", "r"), 1);
      assertThat(rebuilt.state().segments().get(0).id().seq()).isGreaterThan(firstGroupLast);
    }
  }

  @Test
  void nothingIsReservedWhileEnoughSequencesRemain() throws Exception {
    try (KvStore store = KvStores.open("mem:")) {
      SequenceReserver reserver = new SequenceReserver(store);
      PlacementController g = group();
      reserveOnce(reserver, g);
      assertThat(reserver.reserveIfLow(g.state().view()).get()).isEmpty();
    }
  }

  @Test
  void aStoreOfAnotherClusterIsRefused() throws Exception {
    try (KvStore store = KvStores.open("mem:")) {
      PlacementController g = group();
      g.execute(new PlacementCommand.ReserveSequences("other", 1, 10), 1);
      SequenceReserver reserver = new SequenceReserver(store);
      PlacementController mine = group();
      reserveOnce(reserver, mine);
      assertThatThrownBy(() -> reserver.reserveIfLow(g.state().view()).get())
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("belongs to cluster");
    }
  }

  private static PlacementController group() {
    return new PlacementController(new PlacementState(new PlacementConfig(4, 1, 1000, 4)));
  }

  private static void reserveOnce(SequenceReserver reserver, PlacementController g)
      throws Exception {
    PlacementCommand cmd = reserver.reserveIfLow(g.state().view()).get().orElseThrow();
    g.execute(cmd, 1);
  }
}
