package io.fossil.chaos;

/**
 * One event as a read returned it: its stream position and its global position (segment sequence
 * and counter).
 */
public record Seen(String stream, long position, String id, long seq, long counter) {

  /** Parses the API's global position, {@code seq:first-last@counter}. */
  public static Seen of(String stream, long position, String id, String globalPosition) {
    int colon = globalPosition.indexOf(':');
    int at = globalPosition.lastIndexOf('@');
    if (colon < 0 || at < colon) {
      throw new IllegalArgumentException("not a global position: " + globalPosition);
    }
    return new Seen(
        stream,
        position,
        id,
        Long.parseLong(globalPosition.substring(0, colon)),
        Long.parseLong(globalPosition.substring(at + 1)));
  }

  /** An event as the API writes it ({@code stream, position, globalPosition, id, ...}). */
  public static Seen fromJson(com.fasterxml.jackson.databind.JsonNode e) {
    return of(
        e.path("stream").asText(),
        e.path("position").asLong(),
        e.path("id").isNull() ? null : e.path("id").asText(null),
        e.path("globalPosition").asText());
  }

  /** The global position as the checker prints it. */
  public String where() {
    return seq + "@" + counter;
  }
}
