package io.fossil.kv.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import org.junit.jupiter.api.Test;

class MemKvStoreProviderTest {

  @Test
  void limitsCanBeTightenedInTheUri() {
    try (KvStore s = KvStores.open("mem:tight?maxOperations=128&maxBatchBytes=1572864")) {
      assertThat(s.limits().maxOperations()).isEqualTo(128);
      assertThat(s.limits().maxBatchBytes()).isEqualTo(1572864);
    }
  }

  @Test
  void badOptionsAndUnknownSchemesAreExplained() {
    assertThatThrownBy(() -> KvStores.open("mem:x?maxOps=1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option 'maxOps'");
    assertThatThrownBy(() -> KvStores.open("nope:/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no storage backend for scheme 'nope'")
        .hasMessageContaining("mem");
    assertThatThrownBy(() -> KvStores.open("/var/lib/fossil"))
        .hasMessageContaining("has no scheme");
  }

  @Test
  void aNamedStoreIsDroppedWhenItsLastHandleCloses() throws Exception {
    KvStore first = KvStores.open("mem:ephemeral");
    first.write(WriteBatch.builder().put(new byte[] {1}, new byte[] {1}).build()).get();
    first.close();
    try (KvStore again = KvStores.open("mem:ephemeral")) {
      assertThat(again.get(new byte[] {1}).get()).isEmpty();
    }
  }
}
