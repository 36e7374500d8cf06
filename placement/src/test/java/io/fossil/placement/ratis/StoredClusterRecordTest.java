package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementController;
import io.fossil.placement.PlacementState;
import io.fossil.storage.ClusterRecord;
import io.fossil.storage.Keyspace;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cluster record is stored in the storage format, whose bytes storage-format's golden test
 * holds (captured from this class's writes before the format got its own module): a store written
 * before is adopted after.
 */
class StoredClusterRecordTest {

  @Test
  void theReserverStoresAClusterRecordUnderTheClusterKey() throws Exception {
    try (KvStore store = KvStores.open("mem:")) {
      PlacementController g = group();
      g.execute(new PlacementCommand.ReserveSequences("c-1", 1, 10), 1);
      assertThat(
              new SequenceReserver(store).reserveIfLow(g.state().view()).get(30, TimeUnit.SECONDS))
          .contains(new PlacementCommand.ReserveSequences("c-1", 11, 4106));
      assertThat(store.get(Keyspace.clusterKey()).get().orElseThrow())
          .isEqualTo(new ClusterRecord("c-1", 4106).encode());
    }
  }

  @Test
  void aClusterRecordStoredBeforeIsAdopted() throws Exception {
    try (KvStore store = KvStores.open("mem:")) {
      store
          .write(
              WriteBatch.builder()
                  .put(Keyspace.clusterKey(), new ClusterRecord("c-1", 4106).encode())
                  .build())
          .get(30, TimeUnit.SECONDS);
      PlacementController fresh = group();
      assertThat(
              new SequenceReserver(store)
                  .reserveIfLow(fresh.state().view())
                  .get(30, TimeUnit.SECONDS))
          .contains(
              new PlacementCommand.ReserveSequences("c-1", 4107, 4106 + SequenceReserver.BLOCK));
    }
  }

  private static PlacementController group() {
    return new PlacementController(new PlacementState(new PlacementConfig(4, 1, 1000, 4)));
  }
}
