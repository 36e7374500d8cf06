package io.fossil.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Grants against stream names over a tiny alphabet with '-', so prefixes, categories and their near
 * misses collide often.
 */
class PermissionsPropertiesTest {

  final Principal alice = Principal.token("alice");

  @Property(tries = 2000)
  void aPrefixGrantAllowsExactlyTheStreamsUnderThePrefix(
      @ForAll("names") String prefix, @ForAll("names") String stream) {
    Authorizer a = authorizer("prefix:" + prefix);
    assertThat(a.check(alice, Action.READ, stream).allowed()).isEqualTo(stream.startsWith(prefix));
    assertThat(a.check(alice, Action.APPEND, stream).allowed()).isFalse();
  }

  @Property(tries = 2000)
  void aCategoryGrantAllowsExactlyTheStreamsOfTheCategory(
      @ForAll("categories") String category, @ForAll("names") String stream) {
    Authorizer a = authorizer("category:" + category);
    assertThat(a.check(alice, Action.READ, stream).allowed())
        .isEqualTo(StreamSelection.categoryOf(stream).equals(category));
  }

  /**
   * For any grants and any requested selection: "wholly outside" is reported exactly when no stream
   * of the selection is readable, the predicate agrees with {@code check}, and "covers all" is only
   * claimed when every stream of the selection is readable.
   */
  @Property(tries = 3000)
  void readableSelectionAgreesWithCheckOnEveryStream(
      @ForAll("grants") List<String> grants, @ForAll("selections") StreamSelection selection) {
    Authorizer a = authorizer(grants.toArray(String[]::new));
    ReadableStreams readable = a.readable(alice, selection);
    boolean someReadable = false;
    boolean allReadable = true;
    for (String stream : allNames()) {
      if (!selection.contains(stream)) {
        assertThat(readable.test(stream)).isFalse();
        continue;
      }
      boolean allowed = a.check(alice, Action.READ, stream).allowed();
      assertThat(readable.test(stream)).as(stream).isEqualTo(allowed);
      someReadable |= allowed;
      allReadable &= allowed;
    }
    assertThat(readable.isEmpty()).isEqualTo(!someReadable);
    if (readable.coversAll()) {
      assertThat(allReadable).isTrue();
    }
  }

  private Authorizer authorizer(String... readPatterns) {
    StringBuilder json =
        new StringBuilder("{\"version\": 1, \"grants\": [{\"principals\": [\"token:alice\"]");
    json.append(", \"read\": [");
    for (int i = 0; i < readPatterns.length; i++) {
      json.append(i == 0 ? "" : ", ").append('"').append(readPatterns[i]).append('"');
    }
    json.append("]}, {\"principals\": [\"token:bob\"], \"append\": [\"*\"]}]}");
    return Authorizer.of(Permissions.parse(json.toString()));
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings().withChars('a', 'b', '-').ofMinLength(1).ofMaxLength(5);
  }

  @Provide
  Arbitrary<String> categories() {
    return Arbitraries.strings().withChars('a', 'b').ofMinLength(1).ofMaxLength(3);
  }

  @Provide
  Arbitrary<List<String>> grants() {
    Arbitrary<String> one =
        Arbitraries.oneOf(
            categories().map(c -> "category:" + c),
            names().map(p -> "prefix:" + p),
            names().map(s -> "stream:" + s),
            Arbitraries.just("*"));
    return one.list().ofMinSize(0).ofMaxSize(3);
  }

  @Provide
  Arbitrary<StreamSelection> selections() {
    return Arbitraries.oneOf(
        categories().map(StreamSelection::category),
        names().map(StreamSelection::prefix),
        Arbitraries.just(StreamSelection.all()),
        Combinators.combine(names(), Arbitraries.just(0)).as((n, z) -> StreamSelection.stream(n)));
  }

  /**
   * Every name of length 1 to 7 over {a, b, -}: longer than the generated patterns, so a selection
   * or grant always has its witnesses here.
   */
  private static List<String> allNames() {
    return ALL_NAMES;
  }

  private static final List<String> ALL_NAMES = enumerate(7);

  private static List<String> enumerate(int maxLength) {
    List<String> out = new java.util.ArrayList<>();
    List<String> level = List.of("");
    for (int len = 1; len <= maxLength; len++) {
      List<String> next = new java.util.ArrayList<>();
      for (String s : level) {
        for (char c : new char[] {'a', 'b', '-'}) {
          next.add(s + c);
        }
      }
      out.addAll(next);
      level = next;
    }
    return out;
  }
}
