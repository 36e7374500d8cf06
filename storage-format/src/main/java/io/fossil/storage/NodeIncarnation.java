package io.fossil.storage;

import io.fossil.kv.TupleKey;
import java.util.List;
import java.util.Optional;

/**
 * The value of {@link Keyspace#nodeKey}: the last incarnation issued to a node id. Each start of a
 * node's process issues itself the {@link #next} one with a compare-and-set on this value, so two
 * processes of one node id never share an incarnation and the later one's is the greater: placement
 * takes a lower incarnation for a stale process (ADR 10), and an owner claims a segment by its
 * incarnation (ADR 11).
 *
 * <p>Immutable. {@link #decode} throws an unchecked exception for bytes that are not a record.
 */
public record NodeIncarnation(long incarnation) {

  /** Incarnations count wall-clock milliseconds times this, leaving room for retries within one. */
  public static final long PER_MILLISECOND = 1_000;

  /**
   * The incarnation to issue after {@code previous} (empty: none issued yet) at wall-clock time
   * {@code wallMillis}: one more than the previous, and at least {@code wallMillis} × {@value
   * #PER_MILLISECOND}. So it is greater than the milliseconds nodes used as incarnations before
   * they were issued, and stays near the clock if this key was lost.
   */
  public static NodeIncarnation next(Optional<NodeIncarnation> previous, long wallMillis) {
    long fromClock = Math.multiplyExact(Math.max(wallMillis, 0), PER_MILLISECOND);
    long afterPrevious = previous.map(p -> Math.addExact(p.incarnation(), 1)).orElse(1L);
    return new NodeIncarnation(Math.max(fromClock, afterPrevious));
  }

  public byte[] encode() {
    return TupleKey.of(incarnation);
  }

  public static NodeIncarnation decode(byte[] value) {
    List<Object> fields = TupleKey.decode(value);
    return new NodeIncarnation((Long) fields.get(0));
  }
}
