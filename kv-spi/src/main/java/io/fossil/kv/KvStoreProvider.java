package io.fossil.kv;

/**
 * A backend, found with {@link java.util.ServiceLoader} and chosen by the scheme of a store URI
 * ({@code mem:}, {@code rocksdb:/var/lib/fossil}, {@code etcd://host:2379}, {@code fdb:...}).
 * Implementations must have a public no-argument constructor and be listed in {@code
 * META-INF/services/io.fossil.kv.KvStoreProvider}.
 */
public interface KvStoreProvider {

  /** The URI scheme this backend serves, lower case, without the colon. */
  String scheme();

  /**
   * Opens a handle on the store named by {@code uri}.
   *
   * @throws IllegalArgumentException if the URI is malformed, with a message that says how
   * @throws KvException if the store cannot be opened
   */
  KvStore open(String uri);
}
