package io.fossil.kv;

import java.util.Arrays;
import java.util.Objects;

/** One entry of a scan. Equality is by content. */
public record KeyValue(byte[] key, byte[] value) {

  public KeyValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv && Arrays.equals(key, kv.key) && Arrays.equals(value, kv.value);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return Keys.toString(key) + "=" + Keys.toString(value);
  }
}
