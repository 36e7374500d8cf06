package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fossil.kv.KvException;
import io.fossil.kv.KvStores;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FdbKvStoreProviderTest {

  @Test
  void theProviderIsFoundByScheme() {
    assertThat(KvStores.providers()).containsKey("fdb");
    assertThat(KvStores.providers().get("fdb")).isInstanceOf(FdbKvStoreProvider.class);
    assertThat(new FdbKvStoreProvider().scheme()).isEqualTo("fdb");
  }

  @Test
  void malformedUrisAreRefusedBeforeTheNativeLibraryIsTouched() {
    assertThatThrownBy(() -> KvStores.open("fdb:?transactionTimeout=soon"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("write a whole number with a unit");
  }

  @Test
  void availabilityIsDecidedOnceAndExplained() {
    Optional<String> first = FdbRuntime.availability();
    assertThat(FdbRuntime.availability()).isSameAs(first);
    first.ifPresent(
        reason -> assertThat(reason).contains("libfdb_c").contains("foundationdb-clients 7.3"));
  }

  @Test
  void withoutLibfdbCOpeningFailsWithWhatToInstall() {
    Optional<String> unavailable = FdbRuntime.availability();
    assumeTrue(unavailable.isPresent(), "libfdb_c is installed here; nothing to check");
    assertThatThrownBy(() -> KvStores.open("fdb:/etc/foundationdb/fdb.cluster?prefix=fossil"))
        .isInstanceOf(KvException.class)
        .hasMessageStartingWith("FoundationDB client library libfdb_c not found")
        .hasMessageContaining("install foundationdb-clients 7.3");
    // The failure is remembered, not retried: the second attempt says the same.
    assertThatThrownBy(() -> KvStores.open("fdb:")).hasMessage(unavailable.get());
  }

  @Test
  void withLibfdbCAMissingClusterFileIsExplained() {
    assumeTrue(FdbRuntime.availability().isEmpty(), "libfdb_c is not installed here");
    assertThatThrownBy(() -> KvStores.open("fdb:/nonexistent/fdb.cluster"))
        .isInstanceOf(KvException.class)
        .hasMessageContaining("cluster file /nonexistent/fdb.cluster does not exist");
  }
}
