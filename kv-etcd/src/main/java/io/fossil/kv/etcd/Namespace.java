package io.fossil.kv.etcd;

import io.etcd.jetcd.ByteSequence;
import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import java.util.Arrays;

/**
 * Maps the SPI's key space onto the part of etcd's under one non-empty prefix. We prefix keys
 * ourselves rather than use jetcd's namespace option because jetcd reads a range end of {@code \0}
 * as "to the end of the namespace", while for us {@code [x, \0)} is the range holding only the
 * empty key. Immutable and thread-safe.
 */
final class Namespace {

  private final byte[] prefix;
  private final ByteSequence end;

  Namespace(byte[] prefix) {
    if (prefix.length == 0) {
      throw new IllegalArgumentException("the namespace prefix must not be empty");
    }
    this.prefix = prefix.clone();
    byte[] prefixEnd = Keys.prefixEnd(prefix);
    if (prefixEnd == null) {
      throw new IllegalArgumentException("a namespace of only 0xFF bytes has no end");
    }
    this.end = ByteSequence.from(prefixEnd);
  }

  /** The etcd key that stores {@code key}. */
  ByteSequence key(byte[] key) {
    return ByteSequence.from(Keys.concat(prefix, key));
  }

  /** The etcd range end of {@code range}: the namespace's end when the range is unbounded. */
  ByteSequence end(KeyRange range) {
    return range.end() == null ? end : key(range.end());
  }

  /** The SPI key stored at etcd key {@code etcdKey}. */
  byte[] strip(ByteSequence etcdKey) {
    byte[] bytes = etcdKey.getBytes();
    if (bytes.length < prefix.length
        || !Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length)) {
      throw new IllegalStateException(
          "etcd returned key " + Keys.toString(bytes) + " outside namespace " + this);
    }
    return Arrays.copyOfRange(bytes, prefix.length, bytes.length);
  }

  @Override
  public String toString() {
    return Keys.toString(prefix);
  }
}
