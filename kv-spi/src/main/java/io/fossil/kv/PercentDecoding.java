package io.fossil.kv;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding (RFC 3986) to UTF-8, for store URIs and request paths: {@code %XX} is a
 * byte, anything else stands for its own UTF-8 bytes, a {@code +} stays a plus (this is not form
 * data), and the bytes must be valid UTF-8. Stateless.
 */
public final class PercentDecoding {

  private PercentDecoding() {}

  /**
   * Decodes {@code text} once.
   *
   * @throws IllegalArgumentException with a message that completes "the &lt;thing&gt; ...": a
   *     {@code %} not followed by two hex digits, or bytes that are not UTF-8
   */
  public static String decode(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteBuffer bytes = ByteBuffer.allocate(text.length() * 4);
    int i = 0;
    while (i < text.length()) {
      if (text.charAt(i) == '%') {
        int hi = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(text.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          throw new IllegalArgumentException(
              "has a '%' at index " + i + " that is not followed by two hex digits");
        }
        bytes.put((byte) (hi << 4 | lo));
        i += 3;
      } else {
        int next = i + Character.charCount(text.codePointAt(i));
        bytes.put(text.substring(i, next).getBytes(StandardCharsets.UTF_8));
        i = next;
      }
    }
    bytes.flip();
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("does not decode to UTF-8 text", e);
    }
  }
}
