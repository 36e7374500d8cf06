package io.fossil.owner;

import io.fossil.position.SegmentId;

/**
 * What became of an append. Expected outcomes are values; a future completes exceptionally only on
 * a bug or a closed appender.
 */
public sealed interface AppendResult {

  /** Committed durably. {@code firstCounter..lastCounter} in {@code segment} hold the events. */
  record Appended(
      String stream,
      long firstPosition,
      long lastPosition,
      SegmentId segment,
      long firstCounter,
      long lastCounter)
      implements AppendResult {}

  /** An idempotent retry: every id was already stored with the same payload. */
  record Duplicate(String stream, long firstPosition, long lastPosition) implements AppendResult {}

  /** The stream's last committed position is not what the writer expected. */
  record Conflict(String stream, long expectedPosition, long actualPosition)
      implements AppendResult {}

  /** Some ids are stored already but not all, or with another payload. */
  record IdempotencyConflict(String stream, String eventId, String reason)
      implements AppendResult {}

  /**
   * This node does not own the stream's segment (any more); {@code ownerHint} may name who does.
   */
  record NotOwner(String ownerHint) implements AppendResult {}

  /** The segment is sealed: the append was certainly not committed; retry at the successor. */
  record Sealed(SegmentId segment) implements AppendResult {}

  /** Too many appends queued; retry after a short pause. */
  record Overloaded(int queued) implements AppendResult {}

  /** The storage could not say whether the append committed; retry with the same event ids. */
  record OutcomeUnknown(String reason) implements AppendResult {}
}
