package io.fossil.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class HeadCacheTest {

  @Test
  void holdsAtMostItsCapacity() {
    HeadCache cache = new HeadCache(2);
    cache.put("a", 0);
    cache.put("b", 5);
    cache.put("a", 1); // updated in place
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.get("a")).isEqualTo(1);
    cache.put("c", 9);
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.get("c")).as("the stream just put stays; another made room").isEqualTo(9);
    assertThat(List.of(cache.get("a"), cache.get("b"), cache.get("c")))
        .filteredOn(p -> p == HeadCache.UNKNOWN)
        .hasSize(1);
  }

  @Test
  void aRemovedStreamIsUnknownAndAnEmptyStreamIsNot() {
    HeadCache cache = new HeadCache(10);
    cache.put("empty", -1);
    cache.put("gone", 3);
    cache.remove("gone");
    assertThat(cache.get("empty")).isEqualTo(-1);
    assertThat(cache.get("gone")).isEqualTo(HeadCache.UNKNOWN);
    assertThat(cache.get("never")).isEqualTo(HeadCache.UNKNOWN);
  }

  @Test
  void namesTooLongForASlotAndNamesOutsideAsciiAreHeldToo() {
    HeadCache cache = new HeadCache(10);
    String tooLong = "x".repeat(HeadCache.MAX_INLINE_NAME + 1);
    String longest = "y".repeat(HeadCache.MAX_INLINE_NAME);
    String accented = "é".repeat(HeadCache.MAX_INLINE_NAME / 2 + 1); // two bytes a character
    cache.put(tooLong, 1);
    cache.put(longest, 2);
    cache.put(accented, 3);
    assertThat(cache.get(tooLong)).isEqualTo(1);
    assertThat(cache.get(longest)).isEqualTo(2);
    assertThat(cache.get(accented)).isEqualTo(3);
    assertThat(cache.get("x".repeat(HeadCache.MAX_INLINE_NAME))).isEqualTo(HeadCache.UNKNOWN);
    cache.remove(tooLong);
    assertThat(cache.get(tooLong)).isEqualTo(HeadCache.UNKNOWN);
    assertThat(cache.size()).isEqualTo(2);
  }

  @Test
  void aMillionStreamsFitAMillionStreamCache() {
    HeadCache cache = new HeadCache(1_000_000);
    for (int s = 0; s < 1_000_000; s++) {
      cache.put("stream-" + s, s);
    }
    assertThat(cache.size()).isEqualTo(1_000_000);
    for (int s = 0; s < 1_000_000; s += 997) {
      assertThat(cache.get("stream-" + s)).isEqualTo(s);
    }
  }

  @Test
  void removingStreamsLeavesEveryOtherStreamReachable() {
    HeadCache cache = new HeadCache(1_000);
    for (int s = 0; s < 1_000; s++) {
      cache.put("s" + s, s);
    }
    for (int s = 0; s < 1_000; s += 3) {
      cache.remove("s" + s);
    }
    for (int s = 0; s < 1_000; s++) {
      assertThat(cache.get("s" + s)).as("s" + s).isEqualTo(s % 3 == 0 ? HeadCache.UNKNOWN : s);
    }
    assertThat(cache.size()).isEqualTo(666);
  }

  @Test
  void aCacheOfNothingIsRefused() {
    assertThatThrownBy(() -> new HeadCache(0)).hasMessageContaining("at least one stream");
    assertThatThrownBy(() -> new HeadCache(HeadCache.MAX_CAPACITY + 1))
        .hasMessageContaining("at most");
  }

  /** One step against the cache: put (position >= -1), remove (position null) or just a get. */
  record Op(String stream, Long position, boolean remove) {}

  /**
   * Whatever mix of puts, removes and evictions: a stream the cache answers for has the position
   * last put for it, never another stream's or an older one; it holds at most its capacity; and a
   * cache big enough for every stream forgets nothing but what was removed.
   */
  @Property(tries = 300)
  void answersOnlyWithTheLastPositionPut(
      @ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 1, max = 48) int capacity) {
    HeadCache cache = new HeadCache(capacity);
    Map<String, Long> model = new HashMap<>();
    for (Op op : ops) {
      if (op.remove()) {
        cache.remove(op.stream());
        model.remove(op.stream());
      } else if (op.position() != null) {
        cache.put(op.stream(), op.position());
        model.put(op.stream(), op.position());
      }
      assertThat(cache.size()).isLessThanOrEqualTo(Math.min(capacity, model.size()));
      List<String> held = new ArrayList<>(model.keySet());
      held.add(op.stream());
      long[] all = cache.getAll(held);
      for (int i = 0; i < held.size(); i++) {
        String stream = held.get(i);
        long cached = cache.get(stream);
        assertThat(all[i]).as("a batch lookup answers as one lookup: %s", stream).isEqualTo(cached);
        if (capacity >= NAMES) {
          assertThat(cached).as(stream).isEqualTo(model.getOrDefault(stream, HeadCache.UNKNOWN));
        } else if (cached != HeadCache.UNKNOWN) {
          assertThat(cached).as(stream).isEqualTo(model.get(stream));
        }
      }
      assertThat(cache.get(op.stream()))
          .as("the stream just put or removed, or not touched and never put")
          .isIn(model.getOrDefault(op.stream(), HeadCache.UNKNOWN), HeadCache.UNKNOWN);
      if (op.position() != null || op.remove()) {
        assertThat(cache.get(op.stream()))
            .as("the stream just put is held, the stream just removed is not")
            .isEqualTo(model.getOrDefault(op.stream(), HeadCache.UNKNOWN));
      }
    }
  }

  /**
   * A batch put is the same as putting each stream in turn, whatever the batch holds: the same
   * answers afterwards, for every name, from two caches of one capacity fed the same batches (one
   * through {@code putAll}, one through {@code put}) — also when a batch makes the table grow or
   * evict part-way through.
   */
  @Property(tries = 300)
  void aBatchPutAnswersAsPutsInTurn(
      @ForAll("ops") List<Op> ops,
      @ForAll @IntRange(min = 1, max = 48) int capacity,
      @ForAll @IntRange(min = 1, max = 40) int batchSize) {
    HeadCache batched = new HeadCache(capacity);
    HeadCache oneByOne = new HeadCache(capacity);
    List<String> everyName = new ArrayList<>();
    List<Op> puts = ops.stream().filter(op -> op.position() != null).toList();
    for (int from = 0; from < puts.size(); from += batchSize) {
      List<Op> batch = puts.subList(from, Math.min(puts.size(), from + batchSize));
      long[] positions = new long[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        positions[i] = batch.get(i).position();
        oneByOne.put(batch.get(i).stream(), positions[i]);
        everyName.add(batch.get(i).stream());
      }
      batched.putAll(batch.stream().map(Op::stream).toList(), positions);
      assertThat(batched.size()).isEqualTo(oneByOne.size());
      assertThat(batched.getAll(everyName)).containsExactly(oneByOne.getAll(everyName));
    }
  }

  @Test
  void aBatchPutThatGrowsTheTableStillFindsTheStreamsItHeld() {
    HeadCache cache = new HeadCache(100_000);
    List<String> held = new ArrayList<>();
    for (int s = 0; s < 400; s++) {
      held.add("held-" + s);
      cache.put("held-" + s, 0);
    }
    // 200 new streams grow the table (1,024 slots, grown past half full), which moves every home;
    // then the streams held before get new positions in the same batch.
    List<String> batch = new ArrayList<>();
    for (int s = 0; s < 200; s++) {
      batch.add("new-" + s);
    }
    batch.addAll(held);
    long[] positions = new long[batch.size()];
    Arrays.fill(positions, 7);
    cache.putAll(batch, positions);
    assertThat(cache.size()).as("no stream held twice").isEqualTo(600);
    assertThat(cache.getAll(batch)).containsOnly(7);
  }

  /** How many different names {@link #ops} uses. */
  private static final int NAMES = 41;

  @Provide
  Arbitrary<List<Op>> ops() {
    // Few names (NAMES in all), so that they come back after being removed or evicted, and small
    // capacities, whose tables are small, so that names share probe runs; some names are too long
    // for a slot, some not ASCII.
    Arbitrary<String> names =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0, 30).map(i -> "s" + i),
            Arbitraries.integers().between(0, 4).map(i -> "é" + i),
            Arbitraries.integers()
                .between(0, 4)
                .map(i -> "long-" + i + "-" + "z".repeat(HeadCache.MAX_INLINE_NAME)));
    Arbitrary<Op> op =
        Combinators.combine(
                names,
                Arbitraries.longs().between(-1, 1_000).injectNull(0.1),
                Arbitraries.of(false, false, false, false, true))
            .as(Op::new);
    return op.list().ofMaxSize(200);
  }
}
