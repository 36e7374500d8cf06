package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementController;
import io.fossil.placement.PlacementState;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cluster record, byte for byte as the code wrote it before the storage format got its own
 * module: a store written before must be adopted after.
 */
class ClusterRecordGoldenTest {

  private static final HexFormat HEX = HexFormat.of();

  static final String KEY = "02636c757374657200";

  /** ("c-1", 4106). */
  static final String VALUE = "02632d310003800000000000100a";

  @Test
  void theClusterRecordIsStoredAsBefore() throws Exception {
    try (KvStore store = KvStores.open("mem:")) {
      PlacementController g = group();
      g.execute(new PlacementCommand.ReserveSequences("c-1", 1, 10), 1);
      assertThat(
              new SequenceReserver(store).reserveIfLow(g.state().view()).get(30, TimeUnit.SECONDS))
          .contains(new PlacementCommand.ReserveSequences("c-1", 11, 4106));
      assertThat(HEX.formatHex(store.get(HEX.parseHex(KEY)).get().orElseThrow())).isEqualTo(VALUE);
    }
  }

  @Test
  void aClusterRecordStoredBeforeIsAdopted() throws Exception {
    try (KvStore store = KvStores.open("mem:")) {
      store
          .write(WriteBatch.builder().put(HEX.parseHex(KEY), HEX.parseHex(VALUE)).build())
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
