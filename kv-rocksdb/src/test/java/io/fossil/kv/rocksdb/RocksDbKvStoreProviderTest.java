package io.fossil.kv.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rocksdb:} URIs: a directory, and three options that size memory. */
class RocksDbKvStoreProviderTest {

  @TempDir Path dir;

  @Test
  void theBlockCacheDefaultsTo256MiBAndIsSizedByTheUri() {
    try (KvStore plain = KvStores.open("rocksdb:" + dir.resolve("a"))) {
      assertThat(capacity(plain)).isEqualTo(256L << 20);
    }
    try (KvStore sized = KvStores.open("rocksdb:" + dir.resolve("b") + "?blockCache=64m")) {
      assertThat(capacity(sized)).isEqualTo(64L << 20);
    }
    try (KvStore sized = KvStores.open("rocksdb://" + dir.resolve("c") + "?blockCache=1G")) {
      assertThat(capacity(sized)).isEqualTo(1L << 30);
    }
  }

  @Test
  void theKeysKnownPresentTake128MiBUnlessTheUriSaysOtherwise() {
    try (KvStore plain = KvStores.open("rocksdb:" + dir.resolve("e"))) {
      assertThat(((RocksDbKvStore) plain).options().presentKeyBytes()).isEqualTo(128L << 20);
    }
    try (KvStore both =
        KvStores.open("rocksdb:" + dir.resolve("f") + "?presentKeys=256m&blockCache=32m")) {
      assertThat(((RocksDbKvStore) both).options())
          .isEqualTo(new RocksDbOptions(32L << 20, 256L << 20, 64L << 20));
      assertThat(capacity(both)).isEqualTo(32L << 20);
    }
    try (KvStore off = KvStores.open("rocksdb:" + dir.resolve("g") + "?presentKeys=0")) {
      assertThat(((RocksDbKvStore) off).options().presentKeyBytes()).isZero();
    }
  }

  @Test
  void eachMemtableTakes64MiBUnlessTheUriSaysOtherwise() throws Exception {
    try (KvStore plain = KvStores.open("rocksdb:" + dir.resolve("h"))) {
      assertThat(((RocksDbKvStore) plain).options().writeBufferBytes()).isEqualTo(64L << 20);
      assertThat(writeBufferInOptionsFile(dir.resolve("h"))).isEqualTo(64L << 20);
    }
    try (KvStore sized =
        KvStores.open("rocksdb:" + dir.resolve("i") + "?writeBuffer=32m&blockCache=16m")) {
      assertThat(((RocksDbKvStore) sized).options())
          .isEqualTo(new RocksDbOptions(16L << 20, 128L << 20, 32L << 20));
      assertThat(writeBufferInOptionsFile(dir.resolve("i"))).isEqualTo(32L << 20);
    }
  }

  /** What RocksDB itself recorded, in the OPTIONS file it writes on open. */
  private static long writeBufferInOptionsFile(Path db) throws Exception {
    try (Stream<Path> files = Files.list(db)) {
      Path options =
          files
              .filter(f -> f.getFileName().toString().startsWith("OPTIONS-"))
              .max(Comparator.naturalOrder())
              .orElseThrow();
      return Files.readAllLines(options).stream()
          .map(String::trim)
          .filter(l -> l.startsWith("write_buffer_size="))
          .mapToLong(l -> Long.parseLong(l.substring(l.indexOf('=') + 1)))
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void anUnknownOptionOrABadSizeIsRefusedWithWhatIsAllowed() {
    String base = "rocksdb:" + dir.resolve("d");
    for (String query :
        new String[] {
          "cache=1g",
          "blockCache=1g&x=y",
          "blockCache=1g&blockCache=2g",
          "presentKeys=1g&presentKeys=0",
          "writeBuffer=64m&writeBuffer=64m",
          "presentKeys"
        }) {
      assertThatThrownBy(() -> KvStores.open(base + "?" + query))
          .as(query)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(
              "takes the options blockCache, presentKeys and writeBuffer, each at most once");
    }
    for (String bad : new String[] {"12", "0m", "512k", "-1g", "lots", "9999999999999g", ""}) {
      assertThatThrownBy(() -> KvStores.open(base + "?blockCache=" + bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("blockCache must be a size of at least 1m");
    }
    for (String bad : new String[] {"12", "512k", "-1m", "lots", ""}) {
      assertThatThrownBy(() -> KvStores.open(base + "?presentKeys=" + bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(
              "presentKeys must be a size of at least 1m, such as 512m or 2g, or 0");
    }
    for (String bad : new String[] {"0", "512k", "lots"}) {
      assertThatThrownBy(() -> KvStores.open(base + "?writeBuffer=" + bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("writeBuffer must be a size of at least 1m");
    }
    assertThatThrownBy(() -> KvStores.open(base + "?writeBuffer=2g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 MiB to 1 GiB");
    assertThatThrownBy(() -> KvStores.open(base + "?presentKeys=2g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 (off) to 1 GiB");
    assertThatThrownBy(() -> KvStores.open("rocksdb:?blockCache=1g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names a directory");
  }

  private static long capacity(KvStore store) {
    return Long.parseLong(
        ((RocksDbKvStore) store).property("rocksdb.block-cache-capacity").orElseThrow());
  }
}
