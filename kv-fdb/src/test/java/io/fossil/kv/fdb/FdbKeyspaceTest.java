package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.apple.foundationdb.tuple.Tuple;
import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FdbKeyspaceTest {

  private static final byte[] FOSSIL = {0x02, 'f', 'o', 's', 's', 'i', 'l', 0x00};
  private final FdbKeyspace space = new FdbKeyspace(FOSSIL);

  @Test
  void everyKeyIsStoredUnderThePrefixAndStrippedBack() {
    byte[] key = {1, 2, 3};
    assertThat(space.key(key)).isEqualTo(Keys.concat(FOSSIL, key));
    assertThat(space.strip(space.key(key))).isEqualTo(key);
  }

  @Test
  void theEmptyUserKeyIsThePrefixItself() {
    assertThat(space.key(new byte[0])).isEqualTo(FOSSIL);
    assertThat(space.strip(FOSSIL)).isEmpty();
  }

  @Test
  void aKeyOutsideThePrefixCannotBeStripped() {
    assertThatThrownBy(() -> space.strip(new byte[] {0x02, 'f', 'o'}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("outside the store's prefix");
    assertThatThrownBy(() -> space.strip(new byte[] {0x02, 'f', 'o', 's', 's', 'i', 'l', 0x01}))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aBoundedRangeMapsBothEnds() {
    KeyRange range = KeyRange.of(new byte[] {5}, new byte[] {9});
    assertThat(space.begin(range)).isEqualTo(Keys.concat(FOSSIL, new byte[] {5}));
    assertThat(space.end(range)).isEqualTo(Keys.concat(FOSSIL, new byte[] {9}));
  }

  @Test
  void aRangeOpenToTheEndOfTheKeySpaceEndsWhereThePrefixEnds() {
    byte[] afterPrefix = {0x02, 'f', 'o', 's', 's', 'i', 'l', 0x01};
    assertThat(space.begin(KeyRange.all())).isEqualTo(FOSSIL);
    assertThat(space.end(KeyRange.all())).isEqualTo(afterPrefix);
    // KeyRange.prefix of 0xFF has no end: it runs to the end of the user key space.
    KeyRange ff = KeyRange.prefix(new byte[] {(byte) 0xFF});
    assertThat(ff.end()).isNull();
    assertThat(space.end(ff)).isEqualTo(afterPrefix);
    // The largest user keys still fall inside, and nothing reaches FoundationDB's system keys.
    byte[] largest = space.key(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
    assertThat(Keys.compare(largest, afterPrefix)).isNegative();
    assertThat(afterPrefix[0]).isNotEqualTo((byte) 0xFF);
  }

  @Test
  void anEmptyOrSystemPrefixIsRefused() {
    assertThatThrownBy(() -> new FdbKeyspace(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FdbKeyspace(new byte[] {(byte) 0xFF, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("system keys");
  }

  @Test
  void prefixesThatLookAlikeDoNotOverlap() {
    // Raw byte prefixes "a" and "ab" would overlap, and so would the tuples ("a") and ("a",
    // "b"); the tuple strings of distinct names do not.
    List<String> names = List.of("a", "ab", "a/b", "a\u00ff", "\u00ff", "a\u0001", "\uffff");
    for (String p : names) {
      for (String q : names) {
        if (p.equals(q)) {
          continue;
        }
        FdbKeyspace ps = new FdbKeyspace(Tuple.from(p).pack());
        FdbKeyspace qs = new FdbKeyspace(Tuple.from(q).pack());
        byte[] qKey = qs.key(new byte[] {(byte) 0xFF, 0x00});
        assertThat(ps.contains(qKey)).as("%s contains a key of %s", p, q).isFalse();
        assertThat(KeyRange.of(ps.begin(KeyRange.all()), ps.end(KeyRange.all())).contains(qKey))
            .as("the whole range of %s contains a key of %s", p, q)
            .isFalse();
      }
    }
  }

  @Property(tries = 500)
  void distinctPrefixesNeverShareAKey(
      @ForAll("names") String p,
      @ForAll("names") String q,
      @ForAll @Size(max = 8) List<Byte> userKey) {
    if (p.equals(q)) {
      return;
    }
    FdbKeyspace ps = new FdbKeyspace(Tuple.from(p).pack());
    FdbKeyspace qs = new FdbKeyspace(Tuple.from(q).pack());
    byte[] key = new byte[userKey.size()];
    for (int i = 0; i < key.length; i++) {
      key[i] = userKey.get(i);
    }
    byte[] stored = qs.key(key);
    assertThat(ps.contains(stored)).isFalse();
    assertThat(KeyRange.of(ps.begin(KeyRange.all()), ps.end(KeyRange.all())).contains(stored))
        .isFalse();
    assertThat(qs.strip(stored)).isEqualTo(key);
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings()
        .withChars('a', 'b', '/', '\u0001', '\u00ff', '\uffff')
        .ofMinLength(1)
        .ofMaxLength(6);
  }
}
