package io.fossil.kv.rocksdb;

import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Keys the commit thread knows to be present in the database because it wrote them, so that a
 * "present" precondition on one of them needs no read; and, for some of them, that no key of their
 * <em>family</em> sorts above them, so that an "absent" precondition on a higher key of the family
 * needs no read either (ADR 0004). Exact, never a guess: a key is added only after the synced write
 * that put it, and removed before any write that deletes it; the commit thread is the only writer
 * of the database, and the table starts empty when the database opens. Losing a key only costs a
 * read.
 *
 * <p>A family is the keys of one length that agree in all but their last eight bytes: in the stream
 * index, one stream's positions. That a family has nothing above a key is learned from a reverse
 * scan on another thread ({@link #learn}), which the table takes only if the commit thread has
 * written nothing to the family since the scan began; every write passes through {@link #written}
 * or {@link #remove}, which note its sequence number per family and keep what the table knows true
 * (a put above the key that tops its family moves the slot up to it). A write whose outcome is
 * unknown must {@link #forgetFamily} of every key it put.
 *
 * <p>One array of fixed 64-byte slots, no objects per key, grouped in buckets of four slots (fewer
 * in a table of under four slots); a bucket is four adjacent cache lines. A family has at most one
 * slot, in one of its two buckets, so a stream's newest key replaces its previous one in its slot
 * instead of taking another stream's. A family new to the table takes an empty slot of its first
 * bucket, else of its second, else pushes out a slot of one of them. Two buckets instead of one is
 * what keeps a million streams in a table of two million slots: with one, about 3% of appends found
 * their stream pushed out; with two, almost none, and about 4% find it in the second bucket (a
 * second cache miss). Keys longer than 63 bytes or shorter than 8 are not kept. Not thread-safe:
 * only the commit thread touches it.
 */
final class PresentKeys {

  private static final int SLOT_BYTES = 64;
  private static final int MAX_KEY_BYTES = SLOT_BYTES - 1;
  private static final int MAX_WAYS = 4;

  /**
   * A slot's first byte: the key's length (0 = empty) and two flags. TOP: no key of the family
   * sorts above the slot's key. ABSENT (only with TOP): the slot's key is absent too, so the family
   * has nothing at or above it (an empty family is held as its lowest key, absent).
   */
  private static final int LENGTH = 0x3F;

  private static final int TOP = 0x80;
  private static final int ABSENT = 0x40;

  /** How many families' last writes are told apart (more share a mark, which only costs reads). */
  private static final int MARKS = 1 << 16;

  /** A family's keys differ in their last eight bytes: compared as one unsigned big-endian long. */
  private static final int TAIL = 8;

  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /**
   * Where the first slot starts in the array. A large array starts on a heap region boundary (G1),
   * and its elements 16 bytes after that, so 48 more puts every slot on one cache line.
   */
  private static final int FIRST_SLOT = 48;

  /** Per slot: the length byte, then the key. */
  private final byte[] slots;

  private final int ways;
  private final int bucketMask;
  private int nextVictim;

  /**
   * Per family hash: the sequence number of the last write that put or deleted a key of a family
   * with that hash (or a later one). A scan that began at or after it saw that write.
   */
  private final long[] lastWrite;

  /** The sequence number the commit thread's next write will start at. */
  private long nextWrite;

  /** Where {@link #lookUp} leaves what it read while touching buckets, so the reads are kept. */
  private int touched;

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
    this.lastWrite = new long[slotCount == 0 ? 0 : MARKS];
  }

  /** Whether {@code key} is the lowest key of a family (its last eight bytes all zero). */
  static boolean isLowestOfFamily(byte[] key) {
    return key.length >= TAIL && tail(key) == 0;
  }

  /** Whether {@code range} holds every key of {@code key}'s family. */
  static boolean holdsFamily(KeyRange range, byte[] key) {
    if (key.length < TAIL) {
      return false;
    }
    byte[] bound = key.clone();
    LONG.set(bound, key.length - TAIL, 0L);
    if (!range.contains(bound)) {
      return false;
    }
    LONG.set(bound, key.length - TAIL, -1L);
    return range.contains(bound);
  }

  /** Whether the table keeps anything at all (any thread). */
  boolean keepsAnything() {
    return slots.length > 0;
  }

  /** The commit thread's next write will get sequence numbers from {@code sequence} on. */
  void nextWriteAt(long sequence) {
    nextWrite = sequence;
  }

  /** What the table knows of a key. */
  enum Known {
    NOTHING,
    PRESENT,
    /** Its family has nothing at or above it. */
    ABSENT
  }

  /** Whether {@code key} is known present. */
  boolean contains(byte[] key) {
    return known(familySlot(key), key) == Known.PRESENT;
  }

  /** Whether {@code key} is known absent: its family has nothing at or above it. */
  boolean knownAbsent(byte[] key) {
    return known(familySlot(key), key) == Known.ABSENT;
  }

  /**
   * What the table knows of each key: the answers of {@link #contains} and {@link #knownAbsent} for
   * a group's keys at once. It touches every key's first bucket in one short loop before it looks
   * any key up, so that the cache misses overlap instead of following one another: at a million
   * streams the table is far larger than the cache, and almost every bucket misses. (Touching all
   * four ways of the bucket, four cache lines, made the read step slower in both cells: session
   * 19.)
   */
  Known[] lookUp(List<byte[]> keys) {
    Known[] known = new Known[keys.size()];
    Arrays.fill(known, Known.NOTHING);
    if (slots.length == 0) {
      return known;
    }
    long[] hashes = new long[known.length];
    int[] buckets = new int[known.length];
    for (int i = 0; i < hashes.length; i++) {
      byte[] key = keys.get(i);
      hashes[i] = fits(key) ? familyHash(key) : 0;
      buckets[i] = bucket(hashes[i]);
    }
    touched = Keys.touch(slots, buckets, 1);
    for (int i = 0; i < known.length; i++) {
      byte[] key = keys.get(i);
      if (fits(key)) {
        known[i] = known(familySlot(key, hashes[i]), key);
      }
    }
    return known;
  }

  /** What the slot of {@code key}'s family ({@code -1} for none) tells of {@code key}. */
  private Known known(int slot, byte[] key) {
    if (slot < 0) {
      return Known.NOTHING;
    }
    if (holdsPresent(slot, key)) {
      return Known.PRESENT;
    }
    return abovePeak(slot, key) ? Known.ABSENT : Known.NOTHING;
  }

  /**
   * A reverse scan that began at sequence number {@code seenAt} found {@code key} to be the highest
   * key of its family ({@code present}), or found nothing of the family at or above it. Taken
   * (true) unless the family may have been written since.
   */
  boolean learn(byte[] key, boolean present, long seenAt) {
    if (!fits(key)) {
      return false;
    }
    long hash = familyHash(key);
    if (lastWrite[mark(hash)] > seenAt) {
      return false;
    }
    int slot = familySlot(key, hash);
    hold(slot >= 0 ? slot : freeSlot(hash), key, TOP | (present ? 0 : ABSENT));
    return true;
  }

  /**
   * {@code key} is being put. If its family has nothing at or above it, the key now tops the
   * family. If {@code remember} (the key had to be absent: a stream's next position, which its next
   * append will require present), the key takes its family's slot, or a slot of one of its buckets.
   */
  void written(byte[] key, boolean remember) {
    if (!fits(key)) {
      return;
    }
    long hash = familyHash(key);
    lastWrite[mark(hash)] = nextWrite;
    int slot = familySlot(key, hash);
    if (slot >= 0 && (slots[slot] & TOP) != 0) {
      if (abovePeak(slot, key)) {
        hold(slot, key, TOP);
      }
    } else if (remember) {
      hold(slot >= 0 ? slot : freeSlot(hash), key, 0);
    }
  }

  /** {@code key} is being deleted. */
  void remove(byte[] key) {
    if (!fits(key)) {
      return;
    }
    long hash = familyHash(key);
    lastWrite[mark(hash)] = nextWrite;
    int slot = familySlot(key, hash);
    if (slot >= 0 && holdsPresent(slot, key)) {
      slots[slot] = 0;
    }
  }

  /** Forgets everything about {@code key}'s family (a write that put it may or may not have). */
  void forgetFamily(byte[] key) {
    int slot = familySlot(key);
    if (slot >= 0) {
      slots[slot] = 0;
    }
  }

  /** Whether the slot, one of {@code key}'s family, holds {@code key} as present. */
  private boolean holdsPresent(int slot, byte[] key) {
    return (slots[slot] & ABSENT) == 0 && tail(slot) == tail(key);
  }

  /** Whether the slot tops its family and {@code key} lies where the family has nothing. */
  private boolean abovePeak(int slot, byte[] key) {
    if ((slots[slot] & TOP) == 0) {
      return false;
    }
    int order = Long.compareUnsigned(tail(key), tail(slot));
    return order > 0 || (order == 0 && (slots[slot] & ABSENT) != 0);
  }

  private void hold(int slot, byte[] key, int flags) {
    slots[slot] = (byte) (key.length | flags);
    System.arraycopy(key, 0, slots, slot + 1, key.length);
  }

  /**
   * For a family the table does not hold: an empty slot of its first bucket, else of its second;
   * else a slot to push out, from one bucket and then the other (which one goes first alternates
   * every four turns), from the next way in turn: the first that does not top its family (one that
   * does answers for two keys of each append, and once pushed out comes back knowing only one),
   * else the next way.
   */
  private int freeSlot(long familyHash) {
    int first = bucket(familyHash);
    int second = secondBucket(familyHash);
    int slot = emptySlot(first);
    if (slot < 0) {
      slot = emptySlot(second);
    }
    if (slot >= 0) {
      return slot;
    }
    int way = nextVictim++;
    int from = (way & MAX_WAYS) == 0 ? first : second;
    int then = from == first ? second : first;
    slot = slotNotTopping(from, way);
    if (slot < 0) {
      slot = slotNotTopping(then, way);
    }
    return slot >= 0 ? slot : from + (way & (ways - 1)) * SLOT_BYTES;
  }

  private int emptySlot(int bucket) {
    for (int w = 0; w < ways; w++) {
      int slot = bucket + w * SLOT_BYTES;
      if (slots[slot] == 0) {
        return slot;
      }
    }
    return -1;
  }

  /**
   * From way {@code first} on, in turn, the first slot of the bucket that tops no family, or -1.
   */
  private int slotNotTopping(int bucket, int first) {
    for (int w = 0; w < ways; w++) {
      int slot = bucket + ((first + w) & (ways - 1)) * SLOT_BYTES;
      if ((slots[slot] & TOP) == 0) {
        return slot;
      }
    }
    return -1;
  }

  private boolean fits(byte[] key) {
    return slots.length > 0 && key.length >= TAIL && key.length <= MAX_KEY_BYTES;
  }

  /** The offset of the slot that holds a key of {@code key}'s family, or -1. */
  private int familySlot(byte[] key) {
    return fits(key) ? familySlot(key, familyHash(key)) : -1;
  }

  private int familySlot(byte[] key, long familyHash) {
    int slot = familySlotIn(bucket(familyHash), key);
    return slot >= 0 ? slot : familySlotIn(secondBucket(familyHash), key);
  }

  private int familySlotIn(int bucket, byte[] key) {
    for (int w = 0; w < ways; w++) {
      int slot = bucket + w * SLOT_BYTES;
      if (holdsSameFamily(slot, key)) {
        return slot;
      }
    }
    return -1;
  }

  /** Whether the slot holds a key of this length that differs from it at most in its last eight. */
  private boolean holdsSameFamily(int slot, byte[] key) {
    int prefix = key.length - TAIL;
    return (slots[slot] & LENGTH) == key.length
        && Arrays.equals(slots, slot + 1, slot + 1 + prefix, key, 0, prefix);
  }

  private long tail(int slot) {
    return (long) LONG.get(slots, slot + 1 + (slots[slot] & LENGTH) - TAIL);
  }

  private static long tail(byte[] key) {
    return (long) LONG.get(key, key.length - TAIL);
  }

  private static long familyHash(byte[] key) {
    return Keys.hash(key, 0, key.length - TAIL);
  }

  /** The offset of the first bucket of a family with this hash. */
  private int bucket(long familyHash) {
    return FIRST_SLOT + ((int) familyHash & bucketMask) * ways * SLOT_BYTES;
  }

  /** The offset of the second bucket (the same as the first in a table of one bucket). */
  private int secondBucket(long familyHash) {
    return FIRST_SLOT + ((int) (familyHash >>> 40) & bucketMask) * ways * SLOT_BYTES;
  }

  private static int mark(long familyHash) {
    return (int) (familyHash >>> 32) & (MARKS - 1);
  }
}
