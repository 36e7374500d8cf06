package io.fossil.router;

import io.fossil.kv.PercentDecoding;

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
    String raw = rawPath.substring(PREFIX.length());
    for (int i = 0; i < raw.length(); i++) {
      if (raw.charAt(i) > 0x7E) {
        // The server reads the request line byte by byte: raw UTF-8 would name another stream.
        throw new Problem(
            ProblemType.INVALID_STREAM_NAME,
            "the stream name has a character that is not ASCII at index "
                + i
                + "; send it percent-encoded as UTF-8 (café is caf%C3%A9)");
      }
    }
    return decode(raw);
  }

  static String decode(String raw) {
    try {
      return PercentDecoding.decode(raw);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_STREAM_NAME, "the stream name " + e.getMessage());
    }
  }
}
