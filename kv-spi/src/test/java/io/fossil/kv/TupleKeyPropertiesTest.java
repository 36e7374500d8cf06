package io.fossil.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TupleKeyPropertiesTest {

  @Property(tries = 2000)
  void streamRangeNeverContainsAnotherStream(@ForAll String a, @ForAll String b) {
    byte[] eventOfB = TupleKey.of("index", b, 7L);
    KeyRange rangeOfA = TupleKey.builder().string("index").string(a).range();
    assertThat(rangeOfA.contains(eventOfB)).isEqualTo(a.equals(b));
  }

  @Property(tries = 500)
  void slashAndLongerNamesStayOutside(@ForAll String name, @ForAll String suffix) {
    if (suffix.isEmpty()) {
      return;
    }
    KeyRange range = TupleKey.builder().string("index").string(name).range();
    assertThat(range.contains(TupleKey.of("index", name + "/" + suffix, 0L))).isFalse();
    assertThat(range.contains(TupleKey.of("index", name + suffix, 0L))).isFalse();
    assertThat(range.contains(TupleKey.of("index", name, 0L))).isTrue();
    assertThat(range.contains(TupleKey.of("index", name, Long.MAX_VALUE))).isTrue();
  }

  @Property(tries = 2000)
  void byteOrderMatchesTupleOrder(
      @ForAll("tuples") List<Object> x, @ForAll("tuples") List<Object> y) {
    int encoded = Integer.signum(Keys.compare(TupleKey.of(x.toArray()), TupleKey.of(y.toArray())));
    assertThat(encoded).isEqualTo(Integer.signum(compareTuples(x, y)));
  }

  @Property(tries = 2000)
  void decodeInvertsEncode(@ForAll("tuples") List<Object> tuple) {
    List<Object> decoded = TupleKey.decode(TupleKey.of(tuple.toArray()));
    assertThat(decoded).hasSameSizeAs(tuple);
    for (int i = 0; i < tuple.size(); i++) {
      if (tuple.get(i) instanceof byte[] bytes) {
        assertThat((byte[]) decoded.get(i)).isEqualTo(bytes);
      } else {
        assertThat(decoded.get(i)).isEqualTo(tuple.get(i));
      }
    }
  }

  /** Stored keys must keep their bytes: the encoding as ADR 0003 writes it down, byte by byte. */
  @Property(tries = 2000)
  void encodingIsTheDocumentedFormat(@ForAll("tuples") List<Object> tuple) {
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    for (Object e : tuple) {
      if (e instanceof Long v) {
        expected.write(TupleKey.INT64);
        long flipped = v ^ Long.MIN_VALUE;
        for (int shift = 56; shift >= 0; shift -= 8) {
          expected.write((int) (flipped >>> shift));
        }
        continue;
      }
      byte[] body =
          e instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8) : (byte[]) e;
      expected.write(e instanceof String ? TupleKey.STRING : TupleKey.BYTES);
      for (byte b : body) {
        expected.write(b);
        if (b == 0) {
          expected.write(0xFF);
        }
      }
      expected.write(0);
    }
    assertThat(TupleKey.of(tuple.toArray())).isEqualTo(expected.toByteArray());
  }

  @Property(tries = 1000)
  void integersSortNumerically(@ForAll long a, @ForAll long b) {
    int encoded = Integer.signum(Keys.compare(TupleKey.of("c", a), TupleKey.of("c", b)));
    assertThat(encoded).isEqualTo(Integer.signum(Long.compare(a, b)));
  }

  @Provide
  Arbitrary<List<Object>> tuples() {
    Arbitrary<Object> strings =
        Arbitraries.strings().ofMaxLength(40).withChars("ab/\u0000\u00ff-\u20ac").map(s -> s);
    Arbitrary<Object> longs = Arbitraries.longs().map(l -> l);
    Arbitrary<Object> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(4).map(b -> b);
    return Arbitraries.oneOf(strings, longs, bytes).list().ofMaxSize(4);
  }

  @Property(tries = 500)
  void prefixRangeHoldsExactlyTheExtensions(@ForAll byte[] prefix, @ForAll byte[] other) {
    KeyRange range = KeyRange.prefix(prefix);
    assertThat(range.contains(Keys.concat(prefix, other))).isTrue();
    boolean extendsPrefix =
        other.length >= prefix.length
            && java.util.Arrays.equals(other, 0, prefix.length, prefix, 0, prefix.length);
    assertThat(range.contains(other)).isEqualTo(extendsPrefix);
  }

  /** Reference order: by element, type first (bytes < string < integer), then value. */
  private static int compareTuples(List<Object> x, List<Object> y) {
    for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
      int c = compareElements(x.get(i), y.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.size(), y.size());
  }

  private static int compareElements(Object a, Object b) {
    int ta = typeOf(a);
    int tb = typeOf(b);
    if (ta != tb) {
      return Integer.compare(ta, tb);
    }
    if (a instanceof Long la) {
      return Long.compare(la, (Long) b);
    }
    byte[] ba =
        a instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8) : (byte[]) a;
    byte[] bb =
        b instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8) : (byte[]) b;
    return java.util.Arrays.compareUnsigned(ba, bb);
  }

  private static int typeOf(Object o) {
    return o instanceof byte[] ? 1 : o instanceof String ? 2 : 3;
  }
}
