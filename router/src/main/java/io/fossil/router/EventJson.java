package io.fossil.router;

import com.fasterxml.jackson.core.JsonGenerator;
import io.fossil.placement.PlacementView;
import io.fossil.position.GlobalPosition;
import io.fossil.storage.StoredEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How a stored event is shown, the same for stream reads, cursor reads, live tails and idempotent
 * appends: its JSON, and the global position it is read at. Stateless and thread-safe.
 */
final class EventJson {

  private EventJson() {}

  /** One event as a JSON object; {@code data} and {@code metadata} are copied raw. */
  static void write(JsonGenerator g, StoredEvent e, String globalPosition) throws IOException {
    g.writeStartObject();
    g.writeStringField("stream", e.stream());
    g.writeNumberField("position", e.position());
    g.writeStringField("globalPosition", globalPosition);
    g.writeStringField("id", e.id());
    g.writeStringField("type", e.type());
    g.writeFieldName("data");
    g.writeRawValue(new String(e.data(), StandardCharsets.UTF_8));
    g.writeFieldName("metadata");
    g.writeRawValue(
        e.metadata().length == 0 ? "{}" : new String(e.metadata(), StandardCharsets.UTF_8));
    g.writeStringField("time", Instant.ofEpochMilli(e.time()).toString());
    g.writeEndObject();
  }

  /**
   * The global position of the event stored in segment {@code seq} at {@code counter}, inside its
   * compacted segment if compaction retired that one (ADR 0021), looked up in this node's latest
   * placement, then in {@code view}; null only if neither knows the segment.
   */
  static GlobalPosition globalPosition(
      NodeServices node, PlacementView view, long seq, long counter) {
    PlacementView latest = node.view();
    for (PlacementView v : List.of(latest, view)) {
      Optional<GlobalPosition> p = v.history().stored(seq, counter);
      if (p.isPresent()) {
        return p.get();
      }
    }
    return null;
  }
}
