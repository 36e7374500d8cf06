package io.fossil.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeysTest {

  @Test
  void aHashDependsOnTheBytesInItsRangeOnly() {
    byte[] key = TupleKey.of("index", "orders-1", 7L);
    byte[] framed = Keys.concat(Keys.concat(new byte[] {9, 9}, key), new byte[] {8});
    assertThat(Keys.hash(framed, 2, 2 + key.length)).isEqualTo(Keys.hash(key, 0, key.length));
    assertThat(Keys.hash(key, 0, key.length - 8))
        .as("the position is outside the range")
        .isEqualTo(Keys.hash(TupleKey.of("index", "orders-1", 8L), 0, key.length - 8));
  }

  @Test
  void consecutiveNamesSpreadOverTheLowBits() {
    // The tables take a slot from the low bits: a thousand names must not crowd into a few.
    Set<Long> slots = new HashSet<>();
    for (int s = 0; s < 1_000; s++) {
      byte[] name = ("stream-" + s).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      slots.add(Keys.hash(name, 0, name.length) & 1023);
    }
    assertThat(slots).hasSizeGreaterThan(550); // about 632 expected for random slots
  }

  @Test
  void touchingReadsTheFirstByteOfEachLineAndStopsAtTheTableEnd() {
    byte[] table = new byte[4 * 64];
    for (int line = 0; line < 4; line++) {
      table[line * 64] = (byte) (1 << line); // 1, 2, 4, 8
      table[line * 64 + 1] = 100; // not a line's first byte: never read
    }
    assertThat(Keys.touch(table, new int[] {0}, 2)).isEqualTo(1 + 2);
    assertThat(Keys.touch(table, new int[] {64, 0}, 1)).isEqualTo(2 + 1);
    assertThat(Keys.touch(table, new int[] {128}, 4)).as("lines past the end").isEqualTo(4 + 8);
    assertThat(Keys.touch(table, new int[] {}, 4)).isZero();
  }
}
