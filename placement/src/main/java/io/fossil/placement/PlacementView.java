package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable copy of placement state at one version, safe to share between threads. This is what
 * routers, owners and {@code GET /cluster} read.
 *
 * <p>Each view carries its own index ({@link #history}): segments by sequence and by id, the open
 * segment covering a ring point, and the segments compaction retired. It is built once per view, on
 * first use, and published safely, so a view that is applied but never read costs only its copy;
 * nothing is cached across views. Equality and hash code are those of the eight components, as for
 * a record; the index takes no part.
 */
public final class PlacementView {

  private final long version;
  private final long time;
  private final String clusterId;
  private final List<Member> members;
  private final List<Segment> segments;
  private final long leaseMillis;
  private final long nextSeq;
  private final long lastSeq;

  /** Built on first use (see {@link #history}); null until then. */
  private volatile SegmentHistory history;

  /**
   * @param segments every segment not compacted away, each sequence once, in creation order
   */
  public PlacementView(
      long version,
      long time,
      String clusterId,
      List<Member> members,
      List<Segment> segments,
      long leaseMillis,
      long nextSeq,
      long lastSeq) {
    this.version = version;
    this.time = time;
    this.clusterId = clusterId;
    this.members = List.copyOf(members);
    this.segments = List.copyOf(segments);
    this.leaseMillis = leaseMillis;
    this.nextSeq = nextSeq;
    this.lastSeq = lastSeq;
  }

  /** Number of records placement had replayed at this view. */
  public long version() {
    return version;
  }

  /** Log time of this view (ms since the epoch). */
  public long time() {
    return time;
  }

  /** The cluster id, or null before the leader reserved sequences. */
  public String clusterId() {
    return clusterId;
  }

  public List<Member> members() {
    return members;
  }

  /** Every segment not compacted away, in creation order. */
  public List<Segment> segments() {
    return segments;
  }

  public long leaseMillis() {
    return leaseMillis;
  }

  public long nextSeq() {
    return nextSeq;
  }

  public long lastSeq() {
    return lastSeq;
  }

  /** The open segment covering a stream, if the ring is assigned. */
  public Optional<Segment> openSegmentFor(String stream) {
    return openSegmentAt(HashRing.point(stream));
  }

  /** The open segment whose range holds ring point {@code point}, if any. */
  public Optional<Segment> openSegmentAt(long point) {
    return Optional.ofNullable(history().openAt(point));
  }

  public Optional<Member> member(String nodeId) {
    return members.stream().filter(m -> m.nodeId().equals(nodeId)).findFirst();
  }

  /** The segment with this id, if the view has it (retired segments it has not). */
  public Optional<Segment> segment(SegmentId id) {
    Segment s = history().at(id.seq());
    return s != null && s.id().equals(id) ? Optional.of(s) : Optional.empty();
  }

  /** The segment with sequence {@code seq}, if the view has it (retired segments it has not). */
  public Optional<Segment> segmentAt(long seq) {
    return Optional.ofNullable(history().at(seq));
  }

  /**
   * This view's index and ownership history: where stored segments' events are, and how positions
   * and cursors naming retired segments translate (ADR 0021). Built on the first call, once, by
   * whichever thread calls first; later calls return the same instance.
   */
  public SegmentHistory history() {
    SegmentHistory h = history;
    if (h == null) {
      synchronized (this) {
        h = history;
        if (h == null) {
          h = new SegmentHistory(this);
          history = h;
        }
      }
    }
    return h;
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || o instanceof PlacementView v
            && version == v.version
            && time == v.time
            && Objects.equals(clusterId, v.clusterId)
            && members.equals(v.members)
            && segments.equals(v.segments)
            && leaseMillis == v.leaseMillis
            && nextSeq == v.nextSeq
            && lastSeq == v.lastSeq;
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, time, clusterId, members, segments, leaseMillis, nextSeq, lastSeq);
  }

  @Override
  public String toString() {
    return "PlacementView[version="
        + version
        + ", time="
        + time
        + ", clusterId="
        + clusterId
        + ", members="
        + members
        + ", segments="
        + segments
        + ", leaseMillis="
        + leaseMillis
        + ", nextSeq="
        + nextSeq
        + ", lastSeq="
        + lastSeq
        + "]";
  }
}
