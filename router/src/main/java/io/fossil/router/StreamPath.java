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
    return decode(rawPath.substring(PREFIX.length()));
  }

  static String decode(String raw) {
    try {
      return PercentDecoding.decode(raw);
    } catch (IllegalArgumentException e) {
      throw new Problem(ProblemType.INVALID_STREAM_NAME, "the stream name " + e.getMessage());
    }
  }
}
