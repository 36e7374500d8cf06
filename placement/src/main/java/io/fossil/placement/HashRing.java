package io.fossil.placement;

import java.nio.charset.StandardCharsets;

/**
 * Where a stream sits on the 64-bit ring (ADR 0009): {@code murmur3_32(category) << 32 |
 * murmur3_32(stream)}, where the category is the name up to its first {@code -} (the whole name if
 * it has none) and murmur3_32 is MurmurHash3 x86 32-bit with seed 0 over the UTF-8 bytes. All
 * streams of a category sit on one arc of 2^32 points. The function is part of the storage format:
 * it never changes. Stateless and thread-safe.
 */
public final class HashRing {

  private HashRing() {}

  /** The ring point of a stream. */
  public static long point(String stream) {
    return ((long) murmur3(category(stream)) << 32) | (murmur3(stream) & 0xFFFFFFFFL);
  }

  /** The category of a stream: its name up to the first {@code -}. */
  public static String category(String stream) {
    int dash = stream.indexOf('-');
    return dash < 0 ? stream : stream.substring(0, dash);
  }

  /** The first ring point of a category's arc; the arc is {@code [start, start + 2^32 - 1]}. */
  public static long categoryStart(String category) {
    return (long) murmur3(category) << 32;
  }

  /** The last ring point of a category's arc. */
  public static long categoryEnd(String category) {
    return categoryStart(category) | 0xFFFFFFFFL;
  }

  /** MurmurHash3, x86 32-bit variant, seed 0, over the UTF-8 encoding of {@code s}. */
  static int murmur3(String s) {
    byte[] data = s.getBytes(StandardCharsets.UTF_8);
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h = 0;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k =
          (data[4 * i] & 0xFF)
              | (data[4 * i + 1] & 0xFF) << 8
              | (data[4 * i + 2] & 0xFF) << 16
              | (data[4 * i + 3] & 0xFF) << 24;
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int tail = blocks * 4;
    int remaining = data.length & 3;
    if (remaining > 0) {
      int k = 0;
      if (remaining == 3) {
        k ^= (data[tail + 2] & 0xFF) << 16;
      }
      if (remaining >= 2) {
        k ^= (data[tail + 1] & 0xFF) << 8;
      }
      k ^= data[tail] & 0xFF;
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
