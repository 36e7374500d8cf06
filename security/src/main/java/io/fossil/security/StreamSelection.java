package io.fossil.security;

import java.util.Objects;

/**
 * The streams a cursor read or live tail asks for: every stream, one category (the stream name up
 * to its first {@code -}, as in {@code orders-42} → {@code orders}), or a name prefix.
 */
public sealed interface StreamSelection {

  /** Whether {@code stream} is one of the selected streams. */
  boolean contains(String stream);

  static StreamSelection all() {
    return All.INSTANCE;
  }

  static StreamSelection category(String category) {
    return new Category(category);
  }

  static StreamSelection prefix(String prefix) {
    return new Prefix(prefix);
  }

  /** One stream, by its exact name. */
  static StreamSelection stream(String name) {
    return new Named(name);
  }

  /** The category of a stream: its name up to the first {@code -}, or all of it. */
  static String categoryOf(String stream) {
    int dash = stream.indexOf('-');
    return dash < 0 ? stream : stream.substring(0, dash);
  }

  /** Every stream. */
  enum All implements StreamSelection {
    INSTANCE;

    @Override
    public boolean contains(String stream) {
      return true;
    }

    @Override
    public String toString() {
      return "every stream";
    }
  }

  /** The streams of one category. */
  record Category(String name) implements StreamSelection {
    public Category {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || name.indexOf('-') >= 0) {
        throw new IllegalArgumentException("a category is not empty and has no '-'");
      }
    }

    @Override
    public boolean contains(String stream) {
      return stream.startsWith(name)
          && (stream.length() == name.length() || stream.charAt(name.length()) == '-');
    }

    @Override
    public String toString() {
      return "category " + name;
    }
  }

  /** One stream. */
  record Named(String stream) implements StreamSelection {
    public Named {
      Objects.requireNonNull(stream, "stream");
      if (stream.isEmpty()) {
        throw new IllegalArgumentException("a stream name is not empty");
      }
    }

    @Override
    public boolean contains(String other) {
      return stream.equals(other);
    }

    @Override
    public String toString() {
      return "stream " + stream;
    }
  }

  /** The streams whose name starts with a prefix. */
  record Prefix(String prefix) implements StreamSelection {
    public Prefix {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.isEmpty()) {
        throw new IllegalArgumentException("a prefix is not empty");
      }
    }

    @Override
    public boolean contains(String stream) {
      return stream.startsWith(prefix);
    }

    @Override
    public String toString() {
      return "prefix " + prefix;
    }
  }
}
