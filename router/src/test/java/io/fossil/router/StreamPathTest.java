package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamPathTest {

  @Test
  void decodesTheRestOfThePathExactlyOnce() {
    assertThat(StreamPath.streamName("/streams/user/9/cart")).isEqualTo("user/9/cart");
    assertThat(StreamPath.streamName("/streams/user%2F9")).isEqualTo("user/9");
    assertThat(StreamPath.streamName("/streams/a%252F")).isEqualTo("a%2F");
    assertThat(StreamPath.streamName("/streams/caf%C3%A9+x")).isEqualTo("café+x");
  }

  @Test
  void escapedCharactersOutsideTheBasicPlaneSurviveNextToOtherEscapes() {
    assertThat(StreamPath.streamName("/streams/%F0%9F%98%80-%41")).isEqualTo("\uD83D\uDE00-A");
  }

  @Test
  void refusesCharactersThatAreNotAsciiUnescaped() {
    // The HTTP server hands over the request line byte by byte (raw UTF-8 for é arrives as "Ã©").
    for (String raw : new String[] {"/streams/caf\u00c3\u00a9", "/streams/\uD83D\uDE00-%41"}) {
      assertThatThrownBy(() -> StreamPath.streamName(raw))
          .isInstanceOfSatisfying(
              Problem.class,
              p -> {
                assertThat(p.type()).isEqualTo(ProblemType.INVALID_STREAM_NAME);
                assertThat(p.detail()).contains("percent-encoded as UTF-8");
              });
    }
  }

  @Test
  void refusesBrokenEscapesAndInvalidUtf8() {
    for (String bad :
        new String[] {"/streams/a%", "/streams/a%2", "/streams/a%zz", "/streams/%ff"}) {
      assertThatThrownBy(() -> StreamPath.streamName(bad))
          .isInstanceOfSatisfying(
              Problem.class, p -> assertThat(p.type()).isEqualTo(ProblemType.INVALID_STREAM_NAME));
    }
  }
}
