package io.fossil.kv.mem;

import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStoreProvider;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code mem:} opens a private store; {@code mem:NAME} opens a store shared, within this JVM, by
 * every handle opened with the same name while any of them is open. Limits can be tightened to
 * mimic another backend: {@code mem:NAME?maxOperations=128&maxBatchBytes=1572864}.
 */
public final class MemKvStoreProvider implements KvStoreProvider {

  private static final Map<String, MemKvStore.Data> SHARED = new HashMap<>();

  @Override
  public String scheme() {
    return "mem";
  }

  @Override
  public KvStore open(String uri) {
    String rest = uri.substring(uri.indexOf(':') + 1);
    int q = rest.indexOf('?');
    String name = q < 0 ? rest : rest.substring(0, q);
    KvLimits limits = q < 0 ? MemKvStore.DEFAULT_LIMITS : parseLimits(uri, rest.substring(q + 1));
    if (name.isEmpty()) {
      return new MemKvStore(new MemKvStore.Data(), limits, () -> {});
    }
    MemKvStore.Data data;
    synchronized (SHARED) {
      data = SHARED.computeIfAbsent(name, n -> new MemKvStore.Data());
      data.handles++;
    }
    return new MemKvStore(data, limits, () -> release(name, data));
  }

  private static void release(String name, MemKvStore.Data data) {
    synchronized (SHARED) {
      if (--data.handles == 0) {
        SHARED.remove(name, data);
      }
    }
  }

  private static KvLimits parseLimits(String uri, String query) {
    KvLimits d = MemKvStore.DEFAULT_LIMITS;
    int ops = d.maxOperations();
    long batchBytes = d.maxBatchBytes();
    int keyBytes = d.maxKeyBytes();
    int valueBytes = d.maxValueBytes();
    for (String pair : query.split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("malformed option '" + pair + "' in " + uri);
      }
      try {
        switch (kv[0]) {
          case "maxOperations" -> ops = Integer.parseInt(kv[1]);
          case "maxBatchBytes" -> batchBytes = Long.parseLong(kv[1]);
          case "maxKeyBytes" -> keyBytes = Integer.parseInt(kv[1]);
          case "maxValueBytes" -> valueBytes = Integer.parseInt(kv[1]);
          default ->
              throw new IllegalArgumentException(
                  "unknown option '"
                      + kv[0]
                      + "' in "
                      + uri
                      + "; known: maxOperations, maxBatchBytes, maxKeyBytes, maxValueBytes");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "option '" + kv[0] + "' in " + uri + " is not a number", e);
      }
    }
    return new KvLimits(ops, batchBytes, keyBytes, valueBytes);
  }
}
