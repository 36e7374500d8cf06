package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.List;
import java.util.Optional;

/**
 * An immutable copy of placement state at one version, safe to share between threads. This is what
 * routers, owners and {@code GET /cluster} read.
 */
public record PlacementView(
    long version,
    long time,
    String clusterId,
    List<Member> members,
    List<Segment> segments,
    long leaseMillis,
    long nextSeq,
    long lastSeq) {

  public PlacementView {
    members = List.copyOf(members);
    segments = List.copyOf(segments);
  }

  /** The open segment covering a stream, if the ring is assigned. */
  public Optional<Segment> openSegmentFor(String stream) {
    long point = HashRing.point(stream);
    return segments.stream().filter(s -> s.isOpen() && s.id().contains(point)).findFirst();
  }

  public Optional<Member> member(String nodeId) {
    return members.stream().filter(m -> m.nodeId().equals(nodeId)).findFirst();
  }

  public Optional<Segment> segment(SegmentId id) {
    return segments.stream().filter(s -> s.id().equals(id)).findFirst();
  }
}
