package io.fossil.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeadCacheTest {

  @Test
  void holdsAtMostItsCapacityAndForgetsTheStreamCachedLongestAgo() {
    HeadCache cache = new HeadCache(2);
    cache.put("a", 0);
    cache.put("b", 5);
    assertThat(cache.get("a")).isZero();
    cache.put("a", 1); // updated in place: "a" is still the oldest entry
    cache.put("c", 9);
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.get("a")).isEqualTo(HeadCache.UNKNOWN);
    assertThat(cache.get("b")).isEqualTo(5);
    assertThat(cache.get("c")).isEqualTo(9);
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
  void aCacheOfNothingIsRefused() {
    assertThatThrownBy(() -> new HeadCache(0)).hasMessageContaining("at least one stream");
  }
}
