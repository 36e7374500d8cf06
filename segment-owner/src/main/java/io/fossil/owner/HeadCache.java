package io.fossil.owner;

import io.fossil.kv.Keys;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The last committed position of the streams an appender wrote recently, at most {@code capacity}
 * of them; when full, a stream goes to make room (which one is arbitrary: the next one a sweeping
 * hand finds).
 *
 * <p>Built for a million streams on the append path, where every append looks its stream up and the
 * lookups land all over memory: a stream's name (UTF-8, up to {@value #MAX_INLINE_NAME} bytes) and
 * its position sit together in one 64-byte slot of one array, found by linear probing, so a lookup
 * costs about one cache miss. A map of entries, keys, their byte arrays and boxed values cost four
 * or five, which at a million streams was a tenth of the commit thread's time. Longer names go to
 * an ordinary map. Not thread-safe: the appender's lock guards it.
 */
final class HeadCache {

  /** What {@link #get} returns for a stream it does not hold. */
  static final long UNKNOWN = Long.MIN_VALUE;

  private static final int SLOT_BYTES = 64;

  /** Per slot: the name's length (0 = empty), the position (8 bytes), the name. */
  private static final int POSITION = 1;

  private static final int NAME = POSITION + 8;

  static final int MAX_INLINE_NAME = SLOT_BYTES - NAME;

  /** The most streams a cache holds: its table grows to at most 2^24 slots (1 GiB). */
  static final int MAX_CAPACITY = 1 << 23;

  private static final int MIN_SLOTS = 1024;
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final int capacity;

  /**
   * Slots in the full-grown table: more than twice the capacity, so that linear probing stays short
   * and always finds an empty slot. The table starts small and doubles while the streams held fill
   * more than half of it.
   */
  private final int maxSlots;

  private byte[] slots;
  private int mask;
  private int inlineCount;
  private int hand;

  /** Where {@link #touchHomes} leaves what it read while touching slots, so the reads are kept. */
  private int touched;

  private final LinkedHashMap<String, long[]> longNames = new LinkedHashMap<>();

  HeadCache(int capacity) {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "a head cache holds at least one stream and at most "
              + MAX_CAPACITY
              + ", not "
              + capacity);
    }
    this.capacity = capacity;
    this.maxSlots = Integer.highestOneBit(capacity) << 2;
    this.slots = new byte[Math.min(MIN_SLOTS, maxSlots) * SLOT_BYTES];
    this.mask = slots.length / SLOT_BYTES - 1;
  }

  /** The stream's cached last position, or {@link #UNKNOWN}. */
  long get(String stream) {
    return getAll(List.of(stream))[0];
  }

  /**
   * Each stream's cached last position, or {@link #UNKNOWN}: what {@link #get} answers, for a batch
   * of streams at once. It finds every stream's home slot first and touches them all (and the slot
   * after, where a probe most often ends) in one short loop, so that their cache misses overlap
   * instead of following one another; at a million streams the table is far larger than the cache
   * and almost every lookup misses.
   */
  long[] getAll(List<String> streams) {
    byte[][] names = names(streams);
    int[] homes = touchHomes(names);
    long[] positions = new long[names.length];
    for (int i = 0; i < names.length; i++) {
      if (fitsInline(names[i])) {
        int slot = find(names[i], homes[i]);
        positions[i] = slot < 0 ? UNKNOWN : (long) LONG.get(slots, slot + POSITION);
      } else {
        long[] held = longNames.get(streams.get(i));
        positions[i] = held == null ? UNKNOWN : held[0];
      }
    }
    return positions;
  }

  void put(String stream, long position) {
    putAll(List.of(stream), new long[] {position});
  }

  /**
   * What {@link #put} does for each stream in turn, touching their slots first as {@link #getAll}
   * does: after a batch commits, the appender puts every stream's new head.
   */
  void putAll(List<String> streams, long[] positions) {
    byte[][] names = names(streams);
    int[] homes = touchHomes(names);
    int touchedMask = mask;
    for (int i = 0; i < names.length; i++) {
      if (fitsInline(names[i])) {
        // A put may grow the table, which moves every home.
        putInline(names[i], mask == touchedMask ? homes[i] : home(names[i]), positions[i]);
      } else {
        putLong(streams.get(i), positions[i]);
      }
    }
  }

  private void putInline(byte[] name, int home, long position) {
    int slot = find(name, home);
    if (slot >= 0) {
      LONG.set(slots, slot + POSITION, position);
      return;
    }
    makeRoom();
    place(name, position);
    inlineCount++;
    if (inlineCount > (mask + 1) / 2 && mask + 1 < maxSlots) {
      grow();
    }
  }

  private void putLong(String stream, long position) {
    long[] held = longNames.get(stream);
    if (held != null) {
      held[0] = position;
    } else {
      makeRoom();
      longNames.put(stream, new long[] {position});
    }
  }

  private static byte[][] names(List<String> streams) {
    byte[][] names = new byte[streams.size()][];
    for (int i = 0; i < names.length; i++) {
      names[i] = streams.get(i).getBytes(StandardCharsets.UTF_8);
    }
    return names;
  }

  /** Each name's home slot (0 for a long name), after touching them all. */
  private int[] touchHomes(byte[][] names) {
    int[] homes = new int[names.length];
    int[] offsets = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      homes[i] = fitsInline(names[i]) ? home(names[i]) : 0;
      offsets[i] = homes[i] * SLOT_BYTES;
    }
    touched = Keys.touch(slots, offsets, 2);
    return homes;
  }

  void remove(String stream) {
    byte[] name = stream.getBytes(StandardCharsets.UTF_8);
    if (!fitsInline(name)) {
      longNames.remove(stream);
      return;
    }
    int slot = find(name, home(name));
    if (slot >= 0) {
      delete(slot / SLOT_BYTES);
    }
  }

  int size() {
    return inlineCount + longNames.size();
  }

  private static boolean fitsInline(byte[] name) {
    return name.length > 0 && name.length <= MAX_INLINE_NAME;
  }

  /** The offset of the slot holding {@code name}, whose home slot is {@code home}, or -1. */
  private int find(byte[] name, int home) {
    for (int i = home; ; i = (i + 1) & mask) {
      int slot = i * SLOT_BYTES;
      int length = slots[slot];
      if (length == 0) {
        return -1;
      }
      if (length == name.length
          && Arrays.equals(slots, slot + NAME, slot + NAME + length, name, 0, length)) {
        return slot;
      }
    }
  }

  /** Puts a name known to be absent into the first empty slot of its probe sequence. */
  private void place(byte[] name, long position) {
    int slot = firstEmptyFrom(home(name)) * SLOT_BYTES;
    slots[slot] = (byte) name.length;
    LONG.set(slots, slot + POSITION, position);
    System.arraycopy(name, 0, slots, slot + NAME, name.length);
  }

  private int firstEmptyFrom(int i) {
    while (slots[i * SLOT_BYTES] != 0) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private void grow() {
    byte[] old = slots;
    slots = new byte[old.length * 2];
    mask = slots.length / SLOT_BYTES - 1;
    for (int slot = 0; slot < old.length; slot += SLOT_BYTES) {
      int length = old[slot];
      if (length != 0) {
        int to = firstEmptyFrom(home(old, slot + NAME, length)) * SLOT_BYTES;
        System.arraycopy(old, slot, slots, to, SLOT_BYTES);
      }
    }
  }

  /** Evicts streams until one more fits: the next the hand finds, or the oldest long name. */
  private void makeRoom() {
    while (size() >= capacity) {
      if (inlineCount > 0) {
        evictOne();
      } else {
        longNames.remove(longNames.keySet().iterator().next());
      }
    }
  }

  private void evictOne() {
    while (slots[hand * SLOT_BYTES] == 0) {
      hand = (hand + 1) & mask;
    }
    delete(hand);
    hand = (hand + 1) & mask;
  }

  /** Empties slot {@code i}, moving later entries of its probe run back (no tombstones). */
  private void delete(int i) {
    inlineCount--;
    int hole = i;
    for (int j = (i + 1) & mask; slots[j * SLOT_BYTES] != 0; j = (j + 1) & mask) {
      int home = home(slots, j * SLOT_BYTES + NAME, slots[j * SLOT_BYTES]);
      // The entry at j may move to the hole if its home is not cyclically within (hole, j].
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        System.arraycopy(slots, j * SLOT_BYTES, slots, hole * SLOT_BYTES, SLOT_BYTES);
        hole = j;
      }
    }
    Arrays.fill(slots, hole * SLOT_BYTES, hole * SLOT_BYTES + SLOT_BYTES, (byte) 0);
  }

  private int home(byte[] name) {
    return home(name, 0, name.length);
  }

  /** The home slot of the name in {@code bytes[from, from + length)}. */
  private int home(byte[] bytes, int from, int length) {
    return (int) Keys.hash(bytes, from, from + length) & mask;
  }
}
