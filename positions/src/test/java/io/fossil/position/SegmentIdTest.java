package io.fossil.position;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SegmentIdTest {

  @Property
  void textFormRoundTrips(@ForAll @LongRange(min = 1) long seq, @ForAll long a, @ForAll long b) {
    long first = Long.compareUnsigned(a, b) <= 0 ? a : b;
    long last = first == a ? b : a;
    SegmentId id = new SegmentId(seq, first, last);
    assertThat(SegmentId.parse(id.toString())).isEqualTo(id);
  }

  @Test
  void overlapUsesUnsignedOrder() {
    SegmentId low = new SegmentId(1, 0, 0x7fffffffffffffffL);
    SegmentId high = new SegmentId(2, 0x8000000000000000L, -1L);
    assertThat(low.overlaps(high)).isFalse();
    assertThat(high.contains(-1L)).isTrue();
    assertThat(low.contains(-1L)).isFalse();
    assertThat(new SegmentId(3, 0, -1L).isAncestorOf(high)).isFalse();
    assertThat(low.isAncestorOf(new SegmentId(3, 5, 9))).isTrue();
    assertThat(new SegmentId(1, 0, -1L).width()).isEqualTo(-1L);
  }

  @Test
  void malformedIdsAreExplained() {
    assertThatThrownBy(() -> SegmentId.parse("abc")).hasMessageContaining("seq:first-last");
    assertThatThrownBy(() -> new SegmentId(0, 0, 1)).hasMessageContaining("starts at 1");
    assertThatThrownBy(() -> new SegmentId(1, 5, 1)).hasMessageContaining("inverted");
  }
}
