package io.fossil.owner;

import java.util.Arrays;
import java.util.Objects;

/**
 * An event a client wants to append. {@code id} is optional (null): with an id, a retry of the same
 * append is recognised and answered with the original positions (ADR 0013).
 */
public record ProposedEvent(String id, String type, byte[] data, byte[] metadata) {

  public ProposedEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(data, "data");
    metadata = metadata == null ? new byte[0] : metadata;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProposedEvent e
        && Objects.equals(id, e.id)
        && type.equals(e.type)
        && Arrays.equals(data, e.data)
        && Arrays.equals(metadata, e.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, type, Arrays.hashCode(data), Arrays.hashCode(metadata));
  }
}
