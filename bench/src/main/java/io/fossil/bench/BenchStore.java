package io.fossil.bench;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The store a benchmark runs on: the URI it was given, or {@code rocksdb:} in a fresh temporary
 * directory that is deleted when the benchmark ends.
 */
final class BenchStore implements AutoCloseable {

  final String uri;
  final KvStore kv;
  private final Path temporary;

  private BenchStore(String uri, KvStore kv, Path temporary) {
    this.uri = uri;
    this.kv = kv;
    this.temporary = temporary;
  }

  static BenchStore open(String uri) throws IOException {
    return uri != null ? new BenchStore(uri, KvStores.open(uri), null) : openFresh(null);
  }

  /** {@code rocksdb:} in a fresh temporary directory, with the URI options given (or none). */
  static BenchStore openFresh(String rocksDbOptions) throws IOException {
    Path tmp = Files.createTempDirectory("fossil-bench");
    String local = "rocksdb:" + tmp + (rocksDbOptions == null ? "" : "?" + rocksDbOptions);
    try {
      return new BenchStore(local, KvStores.open(local), tmp);
    } catch (RuntimeException e) {
      delete(tmp);
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    kv.close();
    if (temporary != null) {
      delete(temporary);
    }
  }

  private static void delete(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
