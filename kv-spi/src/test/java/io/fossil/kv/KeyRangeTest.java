package io.fossil.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRangeTest {

  private static byte[] b(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  @Test
  void prefixEndSkipsTrailingFf() {
    assertThat(Keys.prefixEnd(b(1, 2))).isEqualTo(b(1, 3));
    assertThat(Keys.prefixEnd(b(1, 0xFF))).isEqualTo(b(2));
    assertThat(Keys.prefixEnd(b(0xFF, 0xFF))).isNull();
    assertThat(Keys.prefixEnd(b())).isNull();
  }

  @Test
  void afterAndBeforeNarrowTheRange() {
    KeyRange r = KeyRange.of(b(1), b(5));
    assertThat(r.after(b(3))).isEqualTo(KeyRange.of(b(3, 0), b(5)));
    assertThat(r.before(b(3))).isEqualTo(KeyRange.of(b(1), b(3)));
    assertThat(r.after(b(9)).isEmpty()).isTrue();
    assertThat(r.before(b(0)).isEmpty()).isTrue();
    assertThat(KeyRange.all().after(b(0xFF)).contains(b(0xFF, 0))).isTrue();
  }

  @Test
  void invertedRangeIsRejected() {
    assertThatThrownBy(() -> KeyRange.of(b(2), b(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("after its end");
  }

  @Test
  void pageRestContinuesAfterLastEntryInEitherDirection() {
    KeyRange r = KeyRange.of(b(0), b(9));
    List<KeyValue> entries = List.of(new KeyValue(b(2), b()), new KeyValue(b(4), b()));
    assertThat(ScanPage.of(r, entries, false, true).rest()).contains(KeyRange.of(b(4, 0), b(9)));
    assertThat(ScanPage.of(r, entries, true, true).rest()).contains(KeyRange.of(b(0), b(4)));
    assertThat(ScanPage.of(r, entries, false, false).rest()).isEmpty();
  }

  @Test
  void limitsNameWhatIsExceeded() {
    KvLimits limits = new KvLimits(2, 100, 4, 8);
    WriteBatch tooMany = WriteBatch.builder().put(b(1), b()).put(b(2), b()).put(b(3), b()).build();
    assertThatThrownBy(() -> limits.check(tooMany))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining("3 operations")
        .hasMessageContaining("at most 2");
    assertThatThrownBy(() -> limits.check(WriteBatch.builder().put(b(1, 2, 3, 4, 5), b()).build()))
        .hasMessageContaining("key of 5 bytes");
    assertThatThrownBy(() -> limits.check(WriteBatch.builder().put(b(1), new byte[9]).build()))
        .hasMessageContaining("value of 9 bytes");
    assertThatThrownBy(
            () ->
                limits.check(
                    WriteBatch.builder()
                        .put(b(1), new byte[8])
                        .requireEquals(b(2), new byte[99])
                        .build()))
        .hasMessageContaining("bytes; the backend allows at most 100");
    limits.check(
        WriteBatch.builder().requireAbsent(b(1)).requireAbsent(b(2)).put(b(1), b()).build());
  }
}
