package io.fossil.kv.rocksdb;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStoreProvider;
import java.nio.file.Path;

/**
 * {@code rocksdb:/var/lib/fossil} or {@code rocksdb:relative/dir}: the embedded store in that
 * directory.
 */
public final class RocksDbKvStoreProvider implements KvStoreProvider {

  @Override
  public String scheme() {
    return "rocksdb";
  }

  @Override
  public KvStore open(String uri) {
    String path = uri.substring(uri.indexOf(':') + 1);
    if (path.startsWith("//")) {
      path = path.substring(2);
    }
    if (path.isBlank() || path.contains("?")) {
      throw new IllegalArgumentException(
          "a rocksdb store URI names a directory and takes no options, e.g. rocksdb:/var/lib/fossil;"
              + " got '"
              + uri
              + "'");
    }
    return RocksDbKvStore.open(Path.of(path));
  }
}
