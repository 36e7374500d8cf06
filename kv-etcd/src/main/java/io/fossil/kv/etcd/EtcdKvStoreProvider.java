package io.fossil.kv.etcd;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStoreProvider;

/**
 * Serves {@code etcd://host1:2379,host2:2379/namespace?callTimeout=5s&...} (options in
 * docs/etcd.md). Opening does no I/O, so it never blocks; a bad URI throws {@link
 * IllegalArgumentException} saying what to fix. Stateless and thread-safe.
 */
public final class EtcdKvStoreProvider implements KvStoreProvider {

  @Override
  public String scheme() {
    return EtcdUri.SCHEME;
  }

  @Override
  public KvStore open(String uri) {
    return EtcdKvStore.open(uri);
  }
}
