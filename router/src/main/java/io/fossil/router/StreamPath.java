package io.fossil.router;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The stream name in {@code /streams/{stream}}: the rest of the raw path, percent-decoded exactly
 * once as UTF-8, so {@code /streams/user/9/cart} names {@code user/9/cart} and {@code %2F} is a
 * slash too. A {@code +} stays a plus (paths are not form data).
 */
final class StreamPath {

  static final String PREFIX = "/streams/";

  private StreamPath() {}

  /** Decodes the stream name of a raw request path that starts with {@link #PREFIX}. */
  static String streamName(String rawPath) {
    return decode(rawPath.substring(PREFIX.length()));
  }

  static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 3);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()
            || Character.digit(raw.charAt(i + 1), 16) < 0
            || Character.digit(raw.charAt(i + 2), 16) < 0) {
          throw new Problem(
              ProblemType.INVALID_STREAM_NAME,
              "the stream name has a '%' at index "
                  + i
                  + " that is not followed by two hex digits");
        }
        bytes.put(
            (byte)
                (Character.digit(raw.charAt(i + 1), 16) * 16
                    + Character.digit(raw.charAt(i + 2), 16)));
        i += 2;
      } else {
        bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
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
      throw new Problem(
          ProblemType.INVALID_STREAM_NAME, "the percent-decoded stream name is not valid UTF-8");
    }
  }
}
