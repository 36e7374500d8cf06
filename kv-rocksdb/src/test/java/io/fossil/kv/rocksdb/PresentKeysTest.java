package io.fossil.kv.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import io.fossil.kv.rocksdb.PresentKeys.Known;
import io.fossil.storage.Keyspace;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The table of keys known present: what it answers, and that it never answers for another key. */
class PresentKeysTest {

  /** The keys the table is built for: the stream index's, whose bytes its hashing sees. */
  private static byte[] index(String stream, long position) {
    return Keyspace.indexKey(stream, position);
  }

  @Test
  void aKeyAddedIsKnownUntilRemoved() {
    PresentKeys keys = new PresentKeys(1 << 10);
    byte[] key = index("orders-1", 7);
    assertThat(keys.contains(key)).isFalse();
    keys.written(key, true);
    assertThat(keys.contains(key)).isTrue();
    assertThat(keys.contains(key.clone())).as("compared by bytes, not identity").isTrue();
    keys.remove(key);
    assertThat(keys.contains(key)).isFalse();
  }

  @Test
  void aStreamsNextPositionTakesThePlaceOfItsPreviousOne() {
    PresentKeys keys = new PresentKeys(1 << 10);
    keys.written(index("orders-1", 7), true);
    keys.written(index("orders-2", 3), true);
    keys.written(index("orders-1", 8), true);
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
    keys.written(a, true);
    assertThat(keys.contains(b)).as("same length, same slot, other bytes").isFalse();
    keys.written(b, true);
    assertThat(keys.contains(a)).isFalse();
    assertThat(keys.contains(b)).isTrue();
    keys.remove(a);
    assertThat(keys.contains(b)).as("removing a key not held leaves the slot alone").isTrue();
  }

  @Test
  void fourStreamsShareABucketAndAFifthTakesTheirSlotsInTurn() {
    PresentKeys keys = new PresentKeys(4); // one bucket of four slots
    for (int s = 0; s < 4; s++) {
      keys.written(index("s" + s, 0), true);
    }
    keys.written(index("s3", 1), true);
    assertThat(held(keys, 0)).as("s3's next position replaced its own previous one").isEqualTo(3);
    assertThat(keys.contains(index("s3", 1))).isTrue();
    assertThat(keys.contains(index("s3", 0))).isFalse();

    keys.written(index("s4", 0), true);
    keys.written(index("s5", 0), true);
    assertThat(keys.contains(index("s4", 0))).isTrue();
    assertThat(keys.contains(index("s5", 0))).as("the next way in turn, not the same").isTrue();
    keys.remove(index("s4", 0));
    keys.written(index("s6", 0), true);
    assertThat(keys.contains(index("s5", 0)))
        .as("a slot freed by a delete is used before another key is pushed out")
        .isTrue();
    assertThat(keys.contains(index("s6", 0))).isTrue();
    assertThat(keys.contains(index("s2", 0)) && keys.contains(index("s3", 1)))
        .as("nothing else was pushed out")
        .isTrue();
  }

  @Test
  void aTableHalfFullHoldsEveryStreamInOneOfItsTwoBuckets() {
    int slots = 1 << 12;
    PresentKeys keys = new PresentKeys(slots);
    for (int s = 0; s < slots / 2; s++) {
      keys.written(index("s" + s, 0), true);
    }
    for (int s = 0; s < slots / 2; s++) {
      keys.written(index("s" + s, 1), true);
    }
    // With one bucket per stream, about 4% of them found their bucket full and pushed another out.
    assertThat(IntStream.range(0, slots / 2).filter(s -> !keys.contains(index("s" + s, 1))))
        .as("streams pushed out")
        .isEmpty();
  }

  @Test
  void aGroupLookupAnswersAsOneLookupPerKey() {
    PresentKeys keys = new PresentKeys(1 << 4);
    keys.written(index("a", 3), true);
    keys.learn(index("b", 5), true, 0);
    keys.learn(index("c", 0), false, 0);
    List<byte[]> asked =
        List.of(
            index("a", 3),
            index("a", 4),
            index("b", 5),
            index("b", 6),
            index("b", 4),
            index("c", 0),
            index("c", 1),
            index("d", 0),
            new byte[64],
            new byte[3]);
    assertThat(keys.lookUp(asked))
        .containsExactly(
            Known.PRESENT,
            Known.NOTHING,
            Known.PRESENT,
            Known.ABSENT,
            Known.NOTHING,
            Known.ABSENT,
            Known.ABSENT,
            Known.NOTHING,
            Known.NOTHING,
            Known.NOTHING);
    for (byte[] key : asked) {
      Known one = keys.lookUp(List.of(key))[0];
      assertThat(keys.contains(key)).isEqualTo(one == Known.PRESENT);
      assertThat(keys.knownAbsent(key)).isEqualTo(one == Known.ABSENT);
    }
    assertThat(PresentKeys.ofBytes(0).lookUp(asked)).containsOnly(Known.NOTHING);
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
    keys.written(fits, true);
    keys.written(tooLong, true);
    assertThat(keys.contains(fits)).isTrue();
    assertThat(keys.contains(tooLong)).isFalse();
  }

  @Test
  void anEmptyTableKnowsNothingAndSizesAreChecked() {
    PresentKeys none = PresentKeys.ofBytes(0);
    byte[] key = index("orders-1", 0);
    none.written(key, true);
    assertThat(none.contains(key)).isFalse();
    PresentKeys one = PresentKeys.ofBytes(127);
    one.written(key, true);
    assertThat(one.contains(key)).as("127 bytes hold one 64-byte slot").isTrue();
    assertThatThrownBy(() -> new PresentKeys(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PresentKeys.ofBytes(2L << 30))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLearnedHeadAnswersForEveryKeyAboveItAndFollowsThePutsAboveIt() {
    PresentKeys keys = new PresentKeys(1 << 10);
    keys.nextWriteAt(10);
    assertThat(keys.learn(index("orders-1", 7), true, 9)).isTrue();
    assertThat(keys.contains(index("orders-1", 7))).isTrue();
    assertThat(keys.knownAbsent(index("orders-1", 8))).isTrue();
    assertThat(keys.knownAbsent(index("orders-1", 1_000))).isTrue();
    assertThat(keys.knownAbsent(index("orders-1", 7))).as("the head itself is present").isFalse();
    assertThat(keys.knownAbsent(index("orders-1", 6))).as("below the head: unknown").isFalse();
    assertThat(keys.knownAbsent(index("orders-2", 8))).as("another family").isFalse();

    keys.written(index("orders-1", 9), false);
    assertThat(keys.knownAbsent(index("orders-1", 9))).as("a put above the head tops").isFalse();
    assertThat(keys.contains(index("orders-1", 9))).isTrue();
    assertThat(keys.knownAbsent(index("orders-1", 10))).isTrue();
    keys.written(index("orders-1", 3), true);
    assertThat(keys.knownAbsent(index("orders-1", 10)))
        .as("a put below the head leaves it the head")
        .isTrue();

    keys.remove(index("orders-1", 9));
    assertThat(keys.contains(index("orders-1", 9))).isFalse();
    assertThat(keys.knownAbsent(index("orders-1", 10)))
        .as("deleting the head forgets the family")
        .isFalse();
  }

  @Test
  void anEmptyFamilyIsHeldAsItsLowestKeyAbsent() {
    PresentKeys keys = new PresentKeys(1 << 10);
    byte[] lowest = index("orders-1", Long.MIN_VALUE);
    assertThat(PresentKeys.isLowestOfFamily(lowest)).isTrue();
    assertThat(PresentKeys.isLowestOfFamily(index("orders-1", 0))).isFalse();
    assertThat(keys.learn(lowest, false, 0)).isTrue();
    assertThat(keys.contains(lowest)).isFalse();
    assertThat(keys.knownAbsent(lowest)).isTrue();
    assertThat(keys.knownAbsent(index("orders-1", 0))).isTrue();

    keys.written(index("orders-1", 0), false);
    assertThat(keys.contains(index("orders-1", 0))).isTrue();
    assertThat(keys.knownAbsent(index("orders-1", 0))).isFalse();
    assertThat(keys.knownAbsent(index("orders-1", 1))).isTrue();
  }

  @Test
  void aHeadIsNotLearnedIfItsFamilyWasWrittenSinceTheScanBegan() {
    PresentKeys keys = new PresentKeys(1 << 10);
    keys.nextWriteAt(5);
    keys.written(index("orders-1", 4), false);
    keys.remove(index("orders-2", 0));
    assertThat(keys.learn(index("orders-1", 3), true, 4))
        .as("a scan that began before the put at 5 may have missed it")
        .isFalse();
    assertThat(keys.knownAbsent(index("orders-1", 4))).isFalse();
    assertThat(keys.learn(index("orders-2", Long.MIN_VALUE), false, 4))
        .as("deletes count as writes too")
        .isFalse();
    assertThat(keys.learn(index("orders-1", 4), true, 5)).as("one that began after it").isTrue();
    assertThat(keys.learn(index("orders-3", 0), true, 0)).as("a family never written").isTrue();
  }

  @Test
  void aWriteOfUnknownOutcomeForgetsTheFamily() {
    PresentKeys keys = new PresentKeys(1 << 10);
    keys.learn(index("orders-1", 7), true, 0);
    keys.forgetFamily(index("orders-1", 8));
    assertThat(keys.contains(index("orders-1", 7))).isFalse();
    assertThat(keys.knownAbsent(index("orders-1", 9))).isFalse();
  }

  @Test
  void aRangeHoldsAFamilyOnlyIfItHoldsBothEnds() {
    byte[] key = index("orders-1", 7);
    assertThat(
            PresentKeys.holdsFamily(KeyRange.prefix(Keyspace.indexRange("orders-1").start()), key))
        .isTrue();
    assertThat(
            PresentKeys.holdsFamily(
                KeyRange.of(
                    index("orders-1", 0), Keys.successor(index("orders-1", Long.MAX_VALUE))),
                key))
        .as("positions from 0 up: the negative ones are outside")
        .isFalse();
    assertThat(
            PresentKeys.holdsFamily(
                KeyRange.of(index("orders-1", Long.MIN_VALUE), index("orders-1", Long.MAX_VALUE)),
                key))
        .as("the end is exclusive")
        .isFalse();
    assertThat(PresentKeys.holdsFamily(KeyRange.all(), new byte[7])).isFalse();
  }

  @Test
  void aFullBucketPushesOutAKeyThatTopsNothingBeforeOneThatTopsItsFamily() {
    PresentKeys keys = new PresentKeys(4); // one bucket of four slots
    for (int s = 0; s < 3; s++) {
      keys.learn(index("s" + s, 5), true, 0);
    }
    keys.written(index("s3", 0), true);
    for (int s = 4; s < 8; s++) {
      keys.written(index("s" + s, 0), true);
      assertThat(keys.contains(index("s" + s, 0))).isTrue();
    }
    for (int s = 0; s < 3; s++) {
      assertThat(keys.knownAbsent(index("s" + s, 6))).as("s%d still tops its family", s).isTrue();
    }
    keys.learn(index("s8", 5), true, 0);
    assertThat(keys.contains(index("s7", 0))).as("the one slot that topped nothing").isFalse();
    keys.learn(index("s9", 5), true, 0);
    assertThat(keys.knownAbsent(index("s9", 6))).as("all four top: the next way in turn").isTrue();
    assertThat(IntStream.of(0, 1, 2, 8).filter(s -> keys.knownAbsent(index("s" + s, 6))).count())
        .isEqualTo(3);
  }
}
