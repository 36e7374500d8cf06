package io.fossil.kv;

import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Opens a store by URI with whichever backend on the class path serves the URI's scheme. */
public final class KvStores {

  private KvStores() {}

  /**
   * Opens {@code uri}.
   *
   * @throws IllegalArgumentException if the URI has no scheme or no backend serves it; the message
   *     lists the schemes that are available
   */
  public static KvStore open(String uri) {
    int colon = uri.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "store URI '"
              + uri
              + "' has no scheme; expected e.g. mem:, rocksdb:/path, etcd://host:2379");
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    Map<String, KvStoreProvider> providers = providers();
    KvStoreProvider provider = providers.get(scheme);
    if (provider == null) {
      throw new IllegalArgumentException(
          "no storage backend for scheme '"
              + scheme
              + "' is on the class path; available: "
              + String.join(", ", providers.keySet()));
    }
    return provider.open(uri);
  }

  /** Every backend on the class path, by scheme. */
  public static Map<String, KvStoreProvider> providers() {
    Map<String, KvStoreProvider> providers = new TreeMap<>();
    for (KvStoreProvider p : ServiceLoader.load(KvStoreProvider.class)) {
      providers.put(p.scheme(), p);
    }
    return providers;
  }
}
