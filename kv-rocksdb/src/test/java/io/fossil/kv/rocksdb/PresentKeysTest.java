package io.fossil.kv.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.TupleKey;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The table of keys known present: what it answers, and that it never answers for another key. */
class PresentKeysTest {

  private static byte[] index(String stream, long position) {
    return TupleKey.of("str", stream, position);
  }

  @Test
  void aKeyAddedIsKnownUntilRemoved() {
    PresentKeys keys = new PresentKeys(1 << 10);
    byte[] key = index("orders-1", 7);
    assertThat(keys.contains(key)).isFalse();
    keys.add(key);
    assertThat(keys.contains(key)).isTrue();
    assertThat(keys.contains(key.clone())).as("compared by bytes, not identity").isTrue();
    keys.remove(key);
    assertThat(keys.contains(key)).isFalse();
  }

  @Test
  void aStreamsNextPositionTakesThePlaceOfItsPreviousOne() {
    PresentKeys keys = new PresentKeys(1 << 10);
    keys.add(index("orders-1", 7));
    keys.add(index("orders-2", 3));
    keys.add(index("orders-1", 8));
    assertThat(keys.contains(index("orders-1", 8))).isTrue();
    assertThat(keys.contains(index("orders-1", 7)))
        .as("one slot per stream: its older position is forgotten, never confused")
        .isFalse();
    assertThat(keys.contains(index("orders-2", 3))).isTrue();
  }

  @Test
  void aKeyThatTakesAnotherKeysSlotDoesNotAnswerForIt() {
    PresentKeys keys = new PresentKeys(1);
    byte[] a = index("orders-1", 7);
    byte[] b = index("orders-2", 7);
    keys.add(a);
    assertThat(keys.contains(b)).as("same length, same slot, other bytes").isFalse();
    keys.add(b);
    assertThat(keys.contains(a)).isFalse();
    assertThat(keys.contains(b)).isTrue();
    keys.remove(a);
    assertThat(keys.contains(b)).as("removing a key not held leaves the slot alone").isTrue();
  }

  @Test
  void fourStreamsShareABucketAndAFifthTakesTheirSlotsInTurn() {
    PresentKeys keys = new PresentKeys(4); // one bucket of four slots
    for (int s = 0; s < 4; s++) {
      keys.add(index("s" + s, 0));
    }
    keys.add(index("s3", 1));
    assertThat(held(keys, 0)).as("s3's next position replaced its own previous one").isEqualTo(3);
    assertThat(keys.contains(index("s3", 1))).isTrue();
    assertThat(keys.contains(index("s3", 0))).isFalse();

    keys.add(index("s4", 0));
    keys.add(index("s5", 0));
    assertThat(keys.contains(index("s4", 0))).isTrue();
    assertThat(keys.contains(index("s5", 0))).as("the next way in turn, not the same").isTrue();
    keys.remove(index("s4", 0));
    keys.add(index("s6", 0));
    assertThat(keys.contains(index("s5", 0)))
        .as("a slot freed by a delete is used before another key is pushed out")
        .isTrue();
    assertThat(keys.contains(index("s6", 0))).isTrue();
    assertThat(keys.contains(index("s2", 0)) && keys.contains(index("s3", 1)))
        .as("nothing else was pushed out")
        .isTrue();
  }

  /** How many of streams s0..s3 the table holds at {@code position}. */
  private static long held(PresentKeys keys, long position) {
    return IntStream.range(0, 4).filter(s -> keys.contains(index("s" + s, position))).count();
  }

  @Test
  void keysLongerThanASlotAreNotKept() {
    PresentKeys keys = new PresentKeys(1 << 4);
    byte[] fits = new byte[63];
    byte[] tooLong = new byte[64];
    fits[0] = tooLong[0] = 1;
    keys.add(fits);
    keys.add(tooLong);
    assertThat(keys.contains(fits)).isTrue();
    assertThat(keys.contains(tooLong)).isFalse();
  }

  @Test
  void anEmptyTableKnowsNothingAndSizesAreChecked() {
    PresentKeys none = PresentKeys.ofBytes(0);
    byte[] key = index("orders-1", 0);
    none.add(key);
    assertThat(none.contains(key)).isFalse();
    PresentKeys one = PresentKeys.ofBytes(127);
    one.add(key);
    assertThat(one.contains(key)).as("127 bytes hold one 64-byte slot").isTrue();
    assertThatThrownBy(() -> new PresentKeys(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PresentKeys.ofBytes(2L << 30))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
