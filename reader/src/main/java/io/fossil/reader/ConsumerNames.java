package io.fossil.reader;

/**
 * The names consumers may have (see {@link ConsumerCursors#checkName}): safe in a URL path segment
 * as they are. Stateless.
 */
final class ConsumerNames {

  private ConsumerNames() {}

  /** See {@link ConsumerCursors#checkName}. */
  static void check(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a consumer name must not be empty");
    }
    if (name.length() > ConsumerCursors.MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "a consumer name has at most "
              + ConsumerCursors.MAX_NAME_LENGTH
              + " characters; this one has "
              + name.length());
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alphanumeric =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alphanumeric && (i == 0 || (c != '.' && c != '_' && c != '-' && c != ':'))) {
        throw new IllegalArgumentException(
            "a consumer name holds only ASCII letters, digits, '.', '_', '-' and ':', and starts"
                + " with a letter or digit; found "
                + describe(name.codePointAt(i))
                + " at index "
                + i);
      }
    }
  }

  private static String describe(int codePoint) {
    return codePoint >= 0x21 && codePoint < 0x7F
        ? "'" + (char) codePoint + "'"
        : String.format("U+%04X", codePoint);
  }
}
