package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.List;

/**
 * What placement knows of one segment. Open segments have an owner (node id and incarnation) and an
 * epoch that is higher than every epoch issued before it. A sealed segment never reopens; its
 * {@code finalCounter} is {@link #FINAL_UNKNOWN} until the successor's owner has sealed it in
 * storage and reported the final counter (-1 for a segment that holds no event). The store's seal
 * record is the authority; this is a cache.
 *
 * <p>A <em>compacted</em> segment (ADR 0021) stands for a run of sealed segments of the same range
 * that followed each other: it keeps the identity of the run's first segment and counts on across
 * the others, and {@link #parts} says where each one's events are stored. Its final counter is
 * known by construction.
 */
public record Segment(
    SegmentId id,
    State state,
    String owner,
    long ownerIncarnation,
    long epoch,
    List<SegmentId> predecessors,
    List<SegmentId> successors,
    long finalCounter,
    List<Part> parts,
    List<Translation> translations) {

  /** The final counter of a segment that is open, or sealed but not yet reported. */
  public static final long FINAL_UNKNOWN = -2;

  /** The lifecycle of a segment: OPEN → SEALED, never back. */
  public enum State {
    OPEN,
    SEALED
  }

  /**
   * One stored segment inside a compacted one: its events, stored under its own id at counters
   * {@code 0..finalCounter}, are the compacted segment's counters {@code offset..offset +
   * finalCounter}.
   */
  public record Part(SegmentId id, long offset, long finalCounter) {

    /** Whether compacted counter {@code counter} is stored in this part. */
    public boolean holds(long counter) {
      return counter >= offset && counter <= offset + finalCounter;
    }
  }

  /**
   * A segment compaction retired into this one, which cursors and global positions may still name:
   * its counters {@code 0..lastCounter} are this segment's {@code offset..offset + lastCounter}.
   * (When the retired segment was itself compacted, that range spans several parts.) Translated
   * until {@code until} (log time, ms), refused as expired after it.
   */
  public record Translation(SegmentId from, long offset, long lastCounter, long until) {}

  public Segment {
    predecessors = List.copyOf(predecessors);
    successors = List.copyOf(successors);
    parts = List.copyOf(parts);
    translations = List.copyOf(translations);
  }

  /** A segment that is stored under its own id alone (never compacted). */
  public Segment(
      SegmentId id,
      State state,
      String owner,
      long ownerIncarnation,
      long epoch,
      List<SegmentId> predecessors,
      List<SegmentId> successors,
      long finalCounter) {
    this(
        id,
        state,
        owner,
        ownerIncarnation,
        epoch,
        predecessors,
        successors,
        finalCounter,
        List.of(),
        List.of());
  }

  public boolean isOpen() {
    return state == State.OPEN;
  }

  /** Whether the segment is sealed and its final counter is known (-1 when it holds nothing). */
  public boolean finalKnown() {
    return finalCounter != FINAL_UNKNOWN;
  }

  /** Whether this segment stands for a compacted run (see {@link #parts}). */
  public boolean isCompacted() {
    return !parts.isEmpty();
  }

  /**
   * Where the events of this segment are stored: its parts, or the segment itself as one part when
   * it was never compacted.
   */
  public List<Part> storedParts() {
    return parts.isEmpty() ? List.of(new Part(id, 0, finalCounter)) : parts;
  }

  Segment sealed(List<SegmentId> next) {
    return new Segment(
        id,
        State.SEALED,
        owner,
        ownerIncarnation,
        epoch,
        predecessors,
        next,
        finalCounter,
        parts,
        translations);
  }

  Segment withFinalCounter(long counter) {
    return new Segment(
        id,
        state,
        owner,
        ownerIncarnation,
        epoch,
        predecessors,
        successors,
        counter,
        parts,
        translations);
  }

  Segment withPredecessors(List<SegmentId> preds) {
    return new Segment(
        id,
        state,
        owner,
        ownerIncarnation,
        epoch,
        preds,
        successors,
        finalCounter,
        parts,
        translations);
  }
}
