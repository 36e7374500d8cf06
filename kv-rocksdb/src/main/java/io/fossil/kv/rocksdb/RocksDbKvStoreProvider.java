package io.fossil.kv.rocksdb;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStoreProvider;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code rocksdb:/var/lib/fossil} or {@code rocksdb:relative/dir}: the embedded store in that
 * directory. Three options, each at most once, sizes with {@code k}, {@code m} or {@code g}: {@code
 * blockCache=1g} sizes the block cache (default 256m, at least 1m), which holds the blocks that
 * appends' precondition reads touch; {@code presentKeys=256m} sizes the table of keys the store
 * knows present without reading them (default 128m, about a million streams' newest positions;
 * rounded down to a power of two; {@code 0} turns it off); {@code writeBuffer=32m} sizes each
 * memtable (default 64m, 1m to 1g).
 */
public final class RocksDbKvStoreProvider implements KvStoreProvider {

  private static final String BLOCK_CACHE = "blockCache";
  private static final String PRESENT_KEYS = "presentKeys";
  private static final String WRITE_BUFFER = "writeBuffer";
  private static final List<String> OPTIONS = List.of(BLOCK_CACHE, PRESENT_KEYS, WRITE_BUFFER);

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
    RocksDbOptions options = RocksDbOptions.DEFAULTS;
    int query = path.indexOf('?');
    if (query >= 0) {
      options = options(uri, path.substring(query + 1));
      path = path.substring(0, query);
    }
    if (path.isBlank()) {
      throw new IllegalArgumentException(
          "a rocksdb store URI names a directory, e.g. rocksdb:/var/lib/fossil; got '" + uri + "'");
    }
    return RocksDbKvStore.open(Path.of(path), options);
  }

  /**
   * {@code blockCache=<size>&presentKeys=<size>&writeBuffer=<size>}, any of them, in any order;
   * anything else is refused with what is allowed.
   */
  static RocksDbOptions options(String uri, String query) {
    Map<String, String> values = new HashMap<>();
    for (String pair : query.split("&", -1)) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2 || !OPTIONS.contains(kv[0]) || values.putIfAbsent(kv[0], kv[1]) != null) {
        throw new IllegalArgumentException(
            "a rocksdb store URI takes the options blockCache, presentKeys and writeBuffer, each at"
                + " most once (e.g. rocksdb:/var/lib/fossil?blockCache=1g&presentKeys=256m); got '"
                + uri
                + "'");
      }
    }
    RocksDbOptions d = RocksDbOptions.DEFAULTS;
    return new RocksDbOptions(
        size(uri, BLOCK_CACHE, values, false, d.blockCacheBytes()),
        size(uri, PRESENT_KEYS, values, true, d.presentKeyBytes()),
        size(uri, WRITE_BUFFER, values, false, d.writeBufferBytes()));
  }

  /** The size {@code values} give {@code option}, or {@code otherwise} if they give none. */
  private static long size(
      String uri, String option, Map<String, String> values, boolean zeroAllowed, long otherwise) {
    String value = values.get(option);
    return value == null ? otherwise : size(uri, option, value, zeroAllowed);
  }

  /** {@code 512m}, {@code 2g}, ...: at least 1 MiB; or {@code 0} where that turns it off. */
  private static long size(String uri, String option, String value, boolean zeroAllowed) {
    String size = value.trim().toLowerCase(java.util.Locale.ROOT);
    if (zeroAllowed && size.equals("0")) {
      return 0;
    }
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
          option
              + " must be a size of at least 1m, such as 512m or 2g"
              + (zeroAllowed ? ", or 0 to turn it off" : "")
              + "; got '"
              + value
              + "' in '"
              + uri
              + "'");
    }
  }
}
