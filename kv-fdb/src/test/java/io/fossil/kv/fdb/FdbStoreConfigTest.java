package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvStores;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FdbStoreConfigTest {

  @Test
  void bareSchemeMeansTheDefaultClusterFileAndDefaults() {
    FdbStoreConfig c = FdbStoreConfig.parse("fdb:");
    assertThat(c.clusterFile()).isEmpty();
    assertThat(c.prefix()).isEqualTo("fossil");
    assertThat(c.transactionTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.operationTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.keyPrefix()).isEqualTo(new byte[] {0x02, 'f', 'o', 's', 's', 'i', 'l', 0x00});
  }

  @Test
  void theDocumentedFormParses() {
    FdbStoreConfig c =
        FdbStoreConfig.parse(
            "fdb:/etc/foundationdb/fdb.cluster?prefix=fossil&transactionTimeout=5s");
    assertThat(c.clusterFile()).contains("/etc/foundationdb/fdb.cluster");
    assertThat(c.prefix()).isEqualTo("fossil");
    assertThat(c.transactionTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void fileUriStyleAndRelativePathsAndUpperCaseSchemeAreAccepted() {
    assertThat(FdbStoreConfig.parse("fdb:///etc/fdb.cluster").clusterFile())
        .contains("/etc/fdb.cluster");
    assertThat(FdbStoreConfig.parse("fdb://").clusterFile()).isEmpty();
    assertThat(FdbStoreConfig.parse("fdb:fdb.cluster").clusterFile()).contains("fdb.cluster");
    assertThat(FdbStoreConfig.parse("FDB:/x/fdb.cluster").clusterFile()).contains("/x/fdb.cluster");
    assertThat(FdbStoreConfig.parse("fdb:/my%20dir/fdb.cluster").clusterFile())
        .contains("/my dir/fdb.cluster");
  }

  @Test
  void prefixIsOneNameEncodedAsATupleString() {
    FdbStoreConfig c = FdbStoreConfig.parse("fdb:?prefix=tenant-7/fossil");
    assertThat(c.prefix()).isEqualTo("tenant-7/fossil");
    assertThat(c.keyPrefix())
        .isEqualTo(
            new byte[] {
              0x02, 't', 'e', 'n', 'a', 'n', 't', '-', '7', '/', 'f', 'o', 's', 's', 'i', 'l', 0x00
            });
    // Percent-escapes decode as UTF-8; '+' stays a plus.
    assertThat(FdbStoreConfig.parse("fdb:?prefix=a%26b+c%C3%A9").prefix()).isEqualTo("a&b+c\u00e9");
  }

  @ParameterizedTest
  @CsvSource({
    "1ms, PT0.001S",
    "250ms, PT0.25S",
    "5s, PT5S",
    "1m, PT1M",
  })
  void durationsNeedAUnit(String text, String iso) {
    FdbStoreConfig c = FdbStoreConfig.parse("fdb:?operationTimeout=10m&transactionTimeout=" + text);
    assertThat(c.transactionTimeout()).isEqualTo(Duration.parse(iso));
  }

  @Test
  void toUriRoundTrips() {
    FdbStoreConfig c =
        FdbStoreConfig.parse(
            "fdb:/etc/fdb.cluster?prefix=a/b&transactionTimeout=1500ms&operationTimeout=1m");
    assertThat(c.toUri())
        .isEqualTo("fdb:/etc/fdb.cluster?prefix=a/b&transactionTimeout=1500ms&operationTimeout=1m");
    assertThat(FdbStoreConfig.parse(c.toUri())).isEqualTo(c);
    FdbStoreConfig odd =
        new FdbStoreConfig(
            Optional.of("/odd dir/x?y#z%.cluster"),
            "a&b=c?d%e\u00e9",
            Duration.ofSeconds(5),
            Duration.ofSeconds(30));
    assertThat(FdbStoreConfig.parse(odd.toUri())).isEqualTo(odd);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "etcd://host:2379                            | is not an fdb: URI",
        "fdb://10.0.0.1:4500                          | names a host (10.0.0.1:4500)",
        "fdb://10.0.0.1:4500                          | use fdb:/path/to/fdb.cluster",
        "fdb:/x#frag                                  | has a fragment",
        "fdb:?prefx=a                                 | unknown option 'prefx'",
        "fdb:?prefx=a                                 | known: prefix, transactionTimeout, operationTimeout",
        "fdb:?prefix                                  | option 'prefix' in 'fdb:?prefix' has no value",
        "fdb:?prefix=a&prefix=b                       | option 'prefix' appears twice",
        "fdb:?prefix=                                 | prefix must be a non-empty name",
        "fdb:?prefix=a%00                             | prefix must not contain NUL (%00)",
        "fdb:?prefix=%zz                              | bad percent-escape in the prefix",
        "fdb:?prefix=%ff                              | does not decode to UTF-8",
        "fdb:/a%                                      | bad percent-escape in the cluster file path",
        "fdb:?transactionTimeout=5                    | is not a duration; write a whole number with a unit",
        "fdb:?transactionTimeout=5h                   | is not a duration",
        "fdb:?transactionTimeout=-1s                  | is not a duration",
        "fdb:?transactionTimeout=0ms                  | transactionTimeout must be between 1ms and 1m",
        "fdb:?transactionTimeout=2m&operationTimeout=5m | transactionTimeout must be between 1ms and 1m",
        "fdb:?operationTimeout=11m                    | operationTimeout must be between 1ms and 10m",
        "fdb:?transactionTimeout=5s&operationTimeout=1s | operationTimeout (1s) must be at least transactionTimeout (5s)",
      })
  void badUrisAreExplained(String uri, String message) {
    assertThatThrownBy(() -> FdbStoreConfig.parse(uri))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aPrefixTooLongForTheLimitsIsRefused() {
    String name = "x".repeat(FdbLimits.MAX_PREFIX_BYTES - 2); // + 0x02 and 0x00: exactly the max
    assertThat(FdbStoreConfig.parse("fdb:?prefix=" + name).keyPrefix())
        .hasSize(FdbLimits.MAX_PREFIX_BYTES);
    assertThatThrownBy(() -> FdbStoreConfig.parse("fdb:?prefix=" + name + "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("takes 49 bytes once encoded; the maximum is 48");
  }

  @Test
  void theConstructorValidatesToo() {
    assertThatThrownBy(
            () ->
                new FdbStoreConfig(
                    Optional.empty(), "", Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            new FdbStoreConfig(Optional.of(""), "a", Duration.ofSeconds(1), Duration.ofSeconds(1))
                .clusterFile())
        .as("an empty path means the default cluster file")
        .isEmpty();
  }

  @Test
  void badUrisFailThroughKvStoresBeforeTheNativeLibraryIsNeeded() {
    assertThatThrownBy(() -> KvStores.open("fdb://localhost:4500"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster file");
  }
}
