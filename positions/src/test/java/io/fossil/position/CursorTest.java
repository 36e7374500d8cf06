package io.fossil.position;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CursorTest {

  /** The 32-way ring `fossil dev` starts with. */
  static List<SegmentId> ring(int parts, long firstSeq) {
    List<SegmentId> out = new ArrayList<>();
    long width = Long.divideUnsigned(-1L, parts) + 1;
    for (int i = 0; i < parts; i++) {
      long first = width * i;
      long last = i == parts - 1 ? -1L : first + width - 1;
      out.add(new SegmentId(firstSeq + i, first, last));
    }
    return out;
  }

  @Provide
  Arbitrary<Cursor> cursors() {
    Arbitrary<Cursor.Entry> entry =
        Combinators.combine(
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.longs(),
                Arbitraries.longs(),
                Arbitraries.longs().between(-1, Long.MAX_VALUE - 1))
            .as(
                (seq, a, b, counter) ->
                    new Cursor.Entry(
                        new SegmentId(
                            seq,
                            Long.compareUnsigned(a, b) <= 0 ? a : b,
                            Long.compareUnsigned(a, b) <= 0 ? b : a),
                        counter));
    return Combinators.combine(
            Arbitraries.integers(),
            Arbitraries.integers(),
            entry.list().ofMaxSize(40).uniqueElements(e -> e.segment().seq()))
        .as(Cursor::new);
  }

  @Property
  void everyCursorSurvivesItsToken(@ForAll("cursors") Cursor c) {
    String token = c.encode();
    assertThat(token).matches("[A-Za-z0-9_-]+");
    assertThat(Cursor.decode(token)).isEqualTo(c);
  }

  @Property
  void anyDamagedByteIsRefused(@ForAll("cursors") Cursor c, @ForAll int where, @ForAll byte x) {
    byte[] bytes = Base64.getUrlDecoder().decode(c.encode());
    int i = Math.floorMod(where, bytes.length);
    if (x == 0) {
      return;
    }
    bytes[i] ^= x;
    String damaged = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    // A 16-bit checksum lets one damaged token in 65,536 through; it must then still be sane.
    try {
      assertThat(Cursor.decode(damaged)).isNotEqualTo(c);
    } catch (InvalidCursorException expected) {
      // the usual case
    }
  }

  @Test
  void theFirstByteIsTheFormatVersion() {
    byte[] bytes = Base64.getUrlDecoder().decode(Cursor.start(7).encode());
    assertThat(bytes[0]).isEqualTo((byte) Cursor.VERSION);
  }

  @Test
  void badTokensSayWhatIsWrong() {
    String good = new Cursor(1, List.of(new Cursor.Entry(ring(32, 1).get(3), 42))).encode();
    assertThatThrownBy(() -> Cursor.decode("not a cursor!"))
        .isInstanceOf(InvalidCursorException.class)
        .hasMessageContaining("base64url");
    assertThatThrownBy(() -> Cursor.decode(good.substring(0, good.length() - 3)))
        .isInstanceOf(InvalidCursorException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> Cursor.decode("AAAAAAAA"))
        .isInstanceOf(InvalidCursorException.class)
        .hasMessageContaining("too short");
    byte[] bytes = Base64.getUrlDecoder().decode(good);
    bytes[0] = 9;
    assertThatThrownBy(() -> Cursor.decode(withChecksum(bytes)))
        .isInstanceOf(InvalidCursorException.class)
        .hasMessageContaining("version 9");
  }

  /** Re-signs hand-edited bytes, to reach the checks behind the checksum. */
  static String withChecksum(byte[] bytes) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(bytes, 0, bytes.length - 2);
    bytes[bytes.length - 2] = (byte) (crc.getValue() >>> 8);
    bytes[bytes.length - 1] = (byte) crc.getValue();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * The byte budget (ADR 0016): 12 bytes of header and checksum, and at most 12 bytes per frontier
   * segment while sequences stay below 2^21 and counters below 2^35, for a 32-way ring and for a
   * segment split 8 levels deep; however long the history behind the frontier is.
   */
  @Test
  void aCursorStaysWithinItsByteBudgetAsHistoryGrows() {
    for (long history : new long[] {1, 1_000, 1_000_000}) {
      for (long counter : new long[] {-1, 100, 1L << 34}) {
        List<Cursor.Entry> entries = new ArrayList<>();
        for (SegmentId s : ring(32, history)) {
          entries.add(new Cursor.Entry(s, counter));
        }
        Cursor c = new Cursor(Cursor.clusterTag("c"), entries);
        int bytes = Base64.getUrlDecoder().decode(c.encode()).length;
        assertThat(bytes)
            .as("%s sealed before, counter %s", history, counter)
            .isLessThanOrEqualTo(12 + 12 * 32);
      }
    }
    // A 32-way ring segment split 8 times: a block of 2^51 points.
    SegmentId deep = new SegmentId(1_000_000, 0x1234L << 51, (0x1235L << 51) - 1);
    Cursor one = new Cursor(1, List.of(new Cursor.Entry(deep, 1L << 34)));
    assertThat(Base64.getUrlDecoder().decode(one.encode()).length).isLessThanOrEqualTo(12 + 12);
  }

  @Test
  void anEntryIsDroppedOnlyWhenLaterEntriesCoverItsWholeRange() {
    SegmentId whole = new SegmentId(1, 0, -1L);
    SegmentId low = new SegmentId(2, 0, 0x7fff_ffff_ffff_ffffL);
    SegmentId high = new SegmentId(3, 0x8000_0000_0000_0000L, -1L);
    Cursor.Entry w = new Cursor.Entry(whole, 10);
    Cursor.Entry l = new Cursor.Entry(low, -1);
    Cursor.Entry h = new Cursor.Entry(high, 4);
    assertThat(Cursor.dropCovered(List.of(w, l))).containsExactly(w, l);
    assertThat(Cursor.dropCovered(List.of(w, l, h))).containsExactly(l, h);
    // A merge of the two halves covers both of them.
    Cursor.Entry merged = new Cursor.Entry(new SegmentId(4, 0, -1L), 0);
    assertThat(Cursor.dropCovered(List.of(l, h, merged))).containsExactly(merged);
  }
}
