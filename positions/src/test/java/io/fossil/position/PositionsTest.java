package io.fossil.position;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.position.Positions.Order;
import java.util.List;
import org.junit.jupiter.api.Test;

class PositionsTest {

  static final SegmentId WHOLE = new SegmentId(1, 0, -1L);
  static final SegmentId LOW = new SegmentId(2, 0, 0x7fff_ffff_ffff_ffffL);
  static final SegmentId HIGH = new SegmentId(3, 0x8000_0000_0000_0000L, -1L);

  static GlobalPosition at(SegmentId s, long c) {
    return new GlobalPosition(s, c);
  }

  static Cursor cursor(Cursor.Entry... entries) {
    return new Cursor(5, List.of(entries));
  }

  @Test
  void positionsInOneSegmentFollowTheirCounters() {
    assertThat(Positions.compare(at(LOW, 1), at(LOW, 2))).isEqualTo(Order.BEFORE);
    assertThat(Positions.compare(at(LOW, 2), at(LOW, 2))).isEqualTo(Order.EQUAL);
    assertThat(Positions.compare(at(LOW, 3), at(LOW, 2))).isEqualTo(Order.AFTER);
  }

  @Test
  void anAncestorComesFirstAndUnrelatedSegmentsAreConcurrent() {
    assertThat(Positions.compare(at(WHOLE, 900), at(HIGH, 0))).isEqualTo(Order.BEFORE);
    assertThat(Positions.compare(at(HIGH, 0), at(WHOLE, 900))).isEqualTo(Order.AFTER);
    assertThat(Positions.compare(at(LOW, 0), at(HIGH, 0))).isEqualTo(Order.CONCURRENT);
  }

  @Test
  void aCursorHasPassedWhatItsFrontierOrItsAncestorsHold() {
    Cursor c = cursor(new Cursor.Entry(LOW, 7), new Cursor.Entry(HIGH, -1));
    assertThat(Positions.compare(at(WHOLE, 1_000_000), c)).isEqualTo(Order.BEFORE);
    assertThat(Positions.compare(at(LOW, 6), c)).isEqualTo(Order.BEFORE);
    assertThat(Positions.compare(at(LOW, 7), c)).isEqualTo(Order.EQUAL);
    assertThat(Positions.compare(at(LOW, 8), c)).isEqualTo(Order.AFTER);
    assertThat(Positions.compare(at(HIGH, 0), c)).isEqualTo(Order.AFTER);
    assertThat(Positions.compare(c, at(HIGH, 0))).isEqualTo(Order.BEFORE);
  }

  @Test
  void cursorsCompareByWhatTheyHaveReached() {
    Cursor start = cursor();
    Cursor inWhole = cursor(new Cursor.Entry(WHOLE, 3));
    Cursor split = cursor(new Cursor.Entry(LOW, 0), new Cursor.Entry(HIGH, -1));
    Cursor otherHalf = cursor(new Cursor.Entry(LOW, -1), new Cursor.Entry(HIGH, 5));
    assertThat(Positions.compare(start, inWhole)).isEqualTo(Order.BEFORE);
    assertThat(Positions.compare(inWhole, split)).isEqualTo(Order.BEFORE);
    assertThat(Positions.compare(split, inWhole)).isEqualTo(Order.AFTER);
    assertThat(Positions.compare(split, split)).isEqualTo(Order.EQUAL);
    assertThat(Positions.compare(split, otherHalf)).isEqualTo(Order.CONCURRENT);
  }

  @Test
  void textsAreParsedAsPositionsOrCursors() {
    Cursor c = cursor(new Cursor.Entry(LOW, 7));
    assertThat(Positions.compare("2:0-7fffffffffffffff@3", c.encode())).isEqualTo(Order.BEFORE);
    assertThat(Positions.compare(c.encode(), "1:0-ffffffffffffffff@3")).isEqualTo(Order.AFTER);
    assertThatThrownBy(() -> Positions.compare("nonsense@", c.encode()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Positions.compare(c.encode(), new Cursor(6, List.of()).encode()))
        .hasMessageContaining("different clusters");
    Cursor otherSelection = new Cursor(5, 77, List.of(new Cursor.Entry(LOW, 7)));
    assertThatThrownBy(() -> Positions.compare(c, otherSelection))
        .hasMessageContaining("different selections");
  }
}
