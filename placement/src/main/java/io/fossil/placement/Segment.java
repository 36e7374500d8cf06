package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.List;

/**
 * What placement knows of one segment. Open segments have an owner (node id and incarnation) and an
 * epoch that is higher than every epoch issued before it. A sealed segment never reopens; its
 * {@code finalCounter} is -1 until the successor's owner has sealed it in storage and reported the
 * final counter (the store's seal record is the authority; this is a cache).
 */
public record Segment(
    SegmentId id,
    State state,
    String owner,
    long ownerIncarnation,
    long epoch,
    List<SegmentId> predecessors,
    List<SegmentId> successors,
    long finalCounter) {

  /** The lifecycle of a segment: OPEN → SEALED, never back. */
  public enum State {
    OPEN,
    SEALED
  }

  public Segment {
    predecessors = List.copyOf(predecessors);
    successors = List.copyOf(successors);
  }

  public boolean isOpen() {
    return state == State.OPEN;
  }

  Segment sealed(List<SegmentId> next) {
    return new Segment(
        id, State.SEALED, owner, ownerIncarnation, epoch, predecessors, next, finalCounter);
  }

  Segment withFinalCounter(long counter) {
    return new Segment(
        id, state, owner, ownerIncarnation, epoch, predecessors, successors, counter);
  }
}
