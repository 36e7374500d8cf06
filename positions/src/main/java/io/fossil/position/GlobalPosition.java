package io.fossil.position;

/**
 * Where an event sits in the whole store: its segment (creation sequence and ring range) and its
 * counter in that segment. Written {@code seq:first-last@counter}, e.g. {@code
 * 7:0-7ffffffffffffff@12}; the segment part is {@link SegmentId#toString()}.
 */
public record GlobalPosition(SegmentId segment, long counter) {

  public GlobalPosition {
    if (counter < 0) {
      throw new IllegalArgumentException("counter must not be negative, was " + counter);
    }
  }

  @Override
  public String toString() {
    return segment + "@" + counter;
  }

  /** Parses {@link #toString()}'s form. */
  public static GlobalPosition parse(String text) {
    int at = text.lastIndexOf('@');
    if (at < 0) {
      throw new IllegalArgumentException("not a global position (seq:first-last@counter): " + text);
    }
    try {
      return new GlobalPosition(
          SegmentId.parse(text.substring(0, at)), Long.parseLong(text.substring(at + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "not a global position (seq:first-last@counter): " + text, e);
    }
  }
}
