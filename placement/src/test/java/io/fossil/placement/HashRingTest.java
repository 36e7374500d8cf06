package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class HashRingTest {

  @Property(tries = 3000)
  void murmur3MatchesAnIndependentImplementation(@ForAll String s) {
    int expected = Hashing.murmur3_32_fixed().hashString(s, StandardCharsets.UTF_8).asInt();
    assertThat(HashRing.murmur3(s)).isEqualTo(expected);
  }

  @Test
  void pinnedValuesNeverChange() {
    // The ring layout is part of the storage format: these values must hold in every version.
    assertThat(HashRing.murmur3("")).isEqualTo(0);
    assertThat(Integer.toHexString(HashRing.murmur3("hello"))).isEqualTo("248bfa47");
    assertThat(Long.toHexString(HashRing.point("orders-42")))
        .isEqualTo(
            Integer.toHexString(HashRing.murmur3("orders"))
                + String.format("%08x", HashRing.murmur3("orders-42")));
  }

  @Property(tries = 1000)
  void everyStreamOfACategorySitsOnItsArc(@ForAll String category, @ForAll String rest) {
    if (category.contains("-")) {
      return;
    }
    String stream = category + "-" + rest;
    long point = HashRing.point(stream);
    assertThat(HashRing.category(stream)).isEqualTo(category);
    assertThat(Long.compareUnsigned(point, HashRing.categoryStart(category)))
        .isGreaterThanOrEqualTo(0);
    assertThat(Long.compareUnsigned(point, HashRing.categoryEnd(category))).isLessThanOrEqualTo(0);
  }

  @Test
  void aNameWithoutDashIsItsOwnCategory() {
    assertThat(HashRing.category("user/9/cart")).isEqualTo("user/9/cart");
    assertThat(HashRing.category("orders-1-2")).isEqualTo("orders");
    assertThat(HashRing.category("-x")).isEmpty();
  }
}
