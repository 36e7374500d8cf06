package io.fossil.owner;

import java.util.List;

/**
 * One append: events for one stream, committed together or not at all. {@code expectedPosition}:
 * {@link #ANY} = no check, {@code -1} = the stream must be empty, {@code n} = its last committed
 * position must be n.
 */
public record AppendRequest(String stream, long expectedPosition, List<ProposedEvent> events) {

  public static final long ANY = Long.MIN_VALUE;

  public AppendRequest {
    events = List.copyOf(events);
  }
}
