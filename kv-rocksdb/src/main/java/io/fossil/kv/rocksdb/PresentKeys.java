package io.fossil.kv.rocksdb;

import io.fossil.kv.Keys;
import java.util.Arrays;

/**
 * Keys the commit thread knows to be present in the database because it wrote them, so that a
 * "present" precondition on one of them needs no read (ADR 0004). Exact, never a guess: a key is
 * added only after the synced write that put it, and removed before any write that deletes it; the
 * commit thread is the only writer of the database, and the table starts empty when the database
 * opens. Losing a key only costs a read.
 *
 * <p>One array of fixed 64-byte slots, no objects per key, grouped in buckets of four slots (fewer
 * in a table of under four slots). A key goes to the bucket of its bytes without the last eight, so
 * keys that differ only in a trailing 64-bit integer (a stream's consecutive positions in the
 * stream index) land in the same bucket, and a stream's newest key replaces its previous one in its
 * slot instead of taking another stream's. A key new to a full bucket takes the slot of the next
 * way in turn. Four ways keep more of a million streams than one slot each would (about 0.8 of them
 * in a table of one million slots, against 0.64), and a bucket is four adjacent cache lines. Keys
 * longer than 63 bytes are not kept. Not thread-safe: only the commit thread touches it.
 */
final class PresentKeys {

  private static final int SLOT_BYTES = 64;
  private static final int MAX_KEY_BYTES = SLOT_BYTES - 1;
  private static final int MAX_WAYS = 4;

  /**
   * Where the first slot starts in the array. A large array starts on a heap region boundary (G1),
   * and its elements 16 bytes after that, so 48 more puts every slot on one cache line.
   */
  private static final int FIRST_SLOT = 48;

  /** Per slot: the key's length (0 = empty), then the key. */
  private final byte[] slots;

  private final int ways;
  private final int bucketMask;
  private int nextVictim;

  /** The largest table that fits in {@code bytes} (64 bytes a slot; under 64 keeps nothing). */
  static PresentKeys ofBytes(long bytes) {
    return new PresentKeys(Math.toIntExact(Long.highestOneBit(Math.max(0, bytes) / SLOT_BYTES)));
  }

  /** A table of {@code slotCount} slots (a power of two, at most 2^24; 0 keeps nothing). */
  PresentKeys(int slotCount) {
    if (slotCount < 0 || slotCount > 1 << 24 || Integer.bitCount(slotCount) > 1) {
      throw new IllegalArgumentException(
          "slot count must be 0 or a power of two up to 2^24: " + slotCount);
    }
    this.slots = new byte[slotCount == 0 ? 0 : FIRST_SLOT + slotCount * SLOT_BYTES];
    this.ways = Math.min(MAX_WAYS, slotCount);
    this.bucketMask = slotCount == 0 ? 0 : slotCount / ways - 1;
  }

  boolean contains(byte[] key) {
    return slotHolding(key) >= 0;
  }

  void add(byte[] key) {
    if (slots.length == 0 || key.length > MAX_KEY_BYTES || key.length == 0) {
      return;
    }
    int bucket = bucketOf(key);
    int target = -1;
    for (int w = 0; w < ways; w++) {
      int slot = bucket + w * SLOT_BYTES;
      if (holdsSamePrefix(slot, key)) {
        target = slot;
        break;
      }
      if (target < 0 && slots[slot] == 0) {
        target = slot;
      }
    }
    if (target < 0) {
      target = bucket + (nextVictim++ & (ways - 1)) * SLOT_BYTES;
    }
    slots[target] = (byte) key.length;
    System.arraycopy(key, 0, slots, target + 1, key.length);
  }

  void remove(byte[] key) {
    int slot = slotHolding(key);
    if (slot >= 0) {
      slots[slot] = 0;
    }
  }

  /** The offset of the slot that holds {@code key}, or -1. */
  private int slotHolding(byte[] key) {
    if (slots.length == 0 || key.length > MAX_KEY_BYTES || key.length == 0) {
      return -1;
    }
    int bucket = bucketOf(key);
    for (int w = 0; w < ways; w++) {
      int slot = bucket + w * SLOT_BYTES;
      if (slots[slot] == key.length
          && Arrays.equals(slots, slot + 1, slot + 1 + key.length, key, 0, key.length)) {
        return slot;
      }
    }
    return -1;
  }

  /** Whether the slot holds a key of this length that differs from it at most in its last eight. */
  private boolean holdsSamePrefix(int slot, byte[] key) {
    int prefix = Math.max(0, key.length - 8);
    return slots[slot] == key.length
        && Arrays.equals(slots, slot + 1, slot + 1 + prefix, key, 0, prefix);
  }

  /** The offset of the key's bucket, from a hash of all but its last eight bytes. */
  private int bucketOf(byte[] key) {
    int h = (int) Keys.hash(key, 0, Math.max(0, key.length - 8));
    return FIRST_SLOT + (h & bucketMask) * ways * SLOT_BYTES;
  }
}
