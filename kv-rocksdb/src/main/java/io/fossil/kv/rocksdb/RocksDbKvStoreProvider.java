package io.fossil.kv.rocksdb;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStoreProvider;
import java.nio.file.Path;

/**
 * {@code rocksdb:/var/lib/fossil} or {@code rocksdb:relative/dir}: the embedded store in that
 * directory. One option: {@code ?blockCache=1g} sizes the block cache ({@code k}, {@code m} or
 * {@code g}; default 256m), which holds the blocks that appends' precondition reads touch.
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
    long blockCache = SharedRocksDb.DEFAULT_BLOCK_CACHE_BYTES;
    int query = path.indexOf('?');
    if (query >= 0) {
      blockCache = blockCacheOption(uri, path.substring(query + 1));
      path = path.substring(0, query);
    }
    if (path.isBlank()) {
      throw new IllegalArgumentException(
          "a rocksdb store URI names a directory, e.g. rocksdb:/var/lib/fossil; got '" + uri + "'");
    }
    return RocksDbKvStore.open(Path.of(path), blockCache);
  }

  /** {@code blockCache=<size>}, the only option; anything else is refused with what is allowed. */
  static long blockCacheOption(String uri, String query) {
    String value = null;
    for (String pair : query.split("&", -1)) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2 || !kv[0].equals("blockCache") || value != null) {
        throw new IllegalArgumentException(
            "a rocksdb store URI takes one option, blockCache, once (e.g."
                + " rocksdb:/var/lib/fossil?blockCache=1g); got '"
                + uri
                + "'");
      }
      value = kv[1];
    }
    return size(uri, value);
  }

  /** {@code 512m}, {@code 2g}, ...: at least 1 MiB. */
  private static long size(String uri, String value) {
    String size = value.trim().toLowerCase(java.util.Locale.ROOT);
    int shift = size.endsWith("g") ? 30 : size.endsWith("m") ? 20 : size.endsWith("k") ? 10 : -1;
    try {
      if (shift < 0) {
        throw new NumberFormatException();
      }
      long n = Long.parseLong(size.substring(0, size.length() - 1));
      if (n < 1 || n > (1L << (63 - shift)) - 1 || (n << shift) < (1L << 20)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "blockCache must be a size of at least 1m, such as 512m or 2g; got '"
              + value
              + "' in '"
              + uri
              + "'");
    }
  }
}
