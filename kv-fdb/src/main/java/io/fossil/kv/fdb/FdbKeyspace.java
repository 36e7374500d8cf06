package io.fossil.kv.fdb;

import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import java.util.Arrays;

/**
 * Maps a store's keys into its FoundationDB subspace and back: every user key {@code k} is stored
 * as {@code prefix + k}, so the empty user key is the prefix itself, and the end of the user key
 * space is the first key after every key that starts with the prefix. Immutable and thread-safe.
 */
final class FdbKeyspace {

  private final byte[] prefix;
  private final byte[] end;

  /**
   * @throws IllegalArgumentException if {@code prefix} is empty or starts with {@code 0xFF}
   *     (FoundationDB's system keys)
   */
  FdbKeyspace(byte[] prefix) {
    if (prefix.length == 0 || prefix[0] == (byte) 0xFF) {
      throw new IllegalArgumentException(
          "a store's key prefix must be non-empty and must not start with 0xFF (system keys)");
    }
    this.prefix = prefix.clone();
    this.end = Keys.prefixEnd(prefix);
  }

  /** The prefix every stored key starts with. */
  byte[] prefix() {
    return prefix.clone();
  }

  /** Where {@code userKey} is stored. */
  byte[] key(byte[] userKey) {
    return Keys.concat(prefix, userKey);
  }

  /**
   * The user key stored at {@code stored}.
   *
   * @throws IllegalStateException if {@code stored} is outside this keyspace (a bug: scans never
   *     leave it)
   */
  byte[] strip(byte[] stored) {
    if (!contains(stored)) {
      throw new IllegalStateException(
          "key "
              + Keys.toString(stored)
              + " is outside the store's prefix "
              + Keys.toString(prefix));
    }
    return Arrays.copyOfRange(stored, prefix.length, stored.length);
  }

  /** Whether {@code stored} belongs to this keyspace. */
  boolean contains(byte[] stored) {
    return stored.length >= prefix.length
        && Arrays.equals(stored, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The first stored key of {@code range} (inclusive). */
  byte[] begin(KeyRange range) {
    return key(range.start());
  }

  /**
   * The stored end of {@code range} (exclusive); a range open to the end of the user key space ends
   * where the prefix's keys end.
   */
  byte[] end(KeyRange range) {
    return range.end() == null ? end.clone() : key(range.end());
  }
}
