package io.fossil.storage;

import io.fossil.kv.TupleKey;
import java.util.List;
import java.util.OptionalLong;

/**
 * The values a segment keeps beside its events (ADR 0011): under {@link Keyspace#sealKey} first a
 * seal marker ("sealed by this successor, final counter pending"), then the complete seal record;
 * under {@link Keyspace#metaKey} the claim of the owner incarnation that writes it.
 *
 * <p>Stateless and thread-safe; {@link #finalCounter} throws an unchecked exception for bytes that
 * are not a seal value.
 */
public final class SegmentRecords {

  private static final long SEAL_MARKER = 1;
  private static final long SEAL_FINAL = 2;

  private SegmentRecords() {}

  /** The marker a new owner puts first: "sealed by {@code successorSeq}, final counter pending". */
  public static byte[] sealMarker(long successorSeq, long epoch) {
    return TupleKey.of(SEAL_MARKER, successorSeq, epoch);
  }

  /** The complete seal record: final counter and the successor that sealed it. */
  public static byte[] sealRecord(long successorSeq, long epoch, long finalCounter) {
    return TupleKey.of(SEAL_FINAL, successorSeq, epoch, finalCounter);
  }

  /** The final counter in a seal record, or empty for a bare marker (still being sealed). */
  public static OptionalLong finalCounter(byte[] sealValue) {
    List<Object> f = TupleKey.decode(sealValue);
    return (Long) f.get(0) == SEAL_FINAL ? OptionalLong.of((Long) f.get(3)) : OptionalLong.empty();
  }

  /** The claim an owner writes once, before its first batch: its incarnation. */
  public static byte[] ownerClaim(long incarnation) {
    return TupleKey.of(incarnation);
  }
}
