package io.fossil.kv.rocksdb;

import java.util.Arrays;

/**
 * Keys the commit thread knows to be present in the database because it wrote them, so that a
 * "present" precondition on one of them needs no read (ADR 0004). Exact, never a guess: a key is
 * added only after the synced write that put it, and removed before any write that deletes it; the
 * commit thread is the only writer of the database, and the table starts empty when the database
 * opens. Losing a key only costs a read.
 *
 * <p>One array of fixed 64-byte slots, no objects per key, direct-mapped: a key goes to the slot of
 * its bytes without the last eight, so keys that differ only in a trailing 64-bit integer (a
 * stream's consecutive positions in the stream index) share a slot, and a stream's newest key
 * replaces its previous one instead of evicting another stream's. Keys longer than 63 bytes are not
 * kept. Not thread-safe: only the commit thread touches it.
 */
final class PresentKeys {

  private static final int SLOT_BYTES = 64;
  private static final int MAX_KEY_BYTES = SLOT_BYTES - 1;

  /** Per slot: the key's length (0 = empty), then the key. */
  private final byte[] slots;

  private final int mask;

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
    this.slots = new byte[slotCount * SLOT_BYTES];
    this.mask = slotCount - 1;
  }

  boolean contains(byte[] key) {
    return slotHolding(key) >= 0;
  }

  void add(byte[] key) {
    if (slots.length == 0 || key.length > MAX_KEY_BYTES || key.length == 0) {
      return;
    }
    int base = slotOf(key);
    slots[base] = (byte) key.length;
    System.arraycopy(key, 0, slots, base + 1, key.length);
  }

  void remove(byte[] key) {
    int base = slotHolding(key);
    if (base >= 0) {
      slots[base] = 0;
    }
  }

  /** The offset of the slot that holds {@code key}, or -1. */
  private int slotHolding(byte[] key) {
    if (slots.length == 0 || key.length > MAX_KEY_BYTES) {
      return -1;
    }
    int base = slotOf(key);
    boolean held =
        slots[base] == key.length
            && Arrays.equals(slots, base + 1, base + 1 + key.length, key, 0, key.length);
    return held ? base : -1;
  }

  /** The offset of the key's slot: FNV-1a over all but the last eight bytes, then mixed. */
  private int slotOf(byte[] key) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0, end = Math.max(0, key.length - 8); i < end; i++) {
      h = (h ^ key[i]) * 0x100000001b3L;
    }
    h ^= h >>> 29;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 32;
    return ((int) h & mask) * SLOT_BYTES;
  }
}
