package io.fossil.storage;

import io.fossil.kv.KvStore;
import io.fossil.kv.TupleKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The two indexes over stored events, shared by the writer and the readers: the stream index
 * ({@link Keyspace#indexKey}: stream, position → segment sequence and counter of the one stored
 * copy) and the event ids ({@link Keyspace#idKey}: stream, id → position, first position of its
 * append and payload hash, ADR 0013).
 *
 * <p>Stateless and thread-safe. Decoders throw an unchecked exception for bytes that are not such a
 * value; store failures travel in the futures.
 */
public final class StreamIndex {

  private StreamIndex() {}

  /** The stream index value: which segment and counter hold the event. */
  public static byte[] indexValue(long seq, long counter) {
    return TupleKey.of(seq, counter);
  }

  /** (seq, counter) of an index value. */
  public static long[] decodeIndexValue(byte[] value) {
    List<Object> f = TupleKey.decode(value);
    return new long[] {(Long) f.get(0), (Long) f.get(1)};
  }

  /** How the payload hash in an event id's value was computed (ADR 0013). */
  public enum PayloadHashKind {
    /**
     * 64-bit FNV-1a over type, 0, data, 0, metadata: what ids written before issue 33 hold, value
     * {@code (position, hash)}. A client can find two payloads with the same hash, so it is only
     * read, never written.
     */
    FNV1A_64,
    /** The first 128 bits of SHA-256 over type, data and metadata, each after its length. */
    SHA256_128
  }

  /** The number a value of kind {@link PayloadHashKind#SHA256_128} carries for its kind. */
  private static final long SHA256_128 = 1;

  /** {@link IdValue#appendFirstPosition} of a value that does not record it (FNV values). */
  public static final long APPEND_NOT_RECORDED = -1;

  /**
   * An event id's value: the event's position, the first position of the append that stored it
   * ({@link #APPEND_NOT_RECORDED} in values written before issue 33), and its payload hash; an FNV
   * hash is in {@code hashLow}, {@code hashHigh} is 0.
   */
  public record IdValue(
      long position,
      long appendFirstPosition,
      PayloadHashKind hashKind,
      long hashHigh,
      long hashLow) {}

  /**
   * The event id value: {@code (position, appendFirstPosition, 1, hashHigh, hashLow)}, the 1 naming
   * the hash, SHA-256 truncated to 128 bits ({@link PayloadHashKind#SHA256_128}).
   */
  public static byte[] idValue(
      long position, long appendFirstPosition, long hashHigh, long hashLow) {
    return TupleKey.of(position, appendFirstPosition, SHA256_128, hashHigh, hashLow);
  }

  /**
   * Decodes an event id value, of either format: {@code (position, fnvHash)} written before issue
   * 33, or what {@link #idValue} writes. Throws for anything else (a hash kind this version does
   * not know).
   */
  public static IdValue decodeIdValue(byte[] value) {
    List<Object> f = TupleKey.decode(value);
    if (f.size() == 2) {
      return new IdValue(
          (Long) f.get(0), APPEND_NOT_RECORDED, PayloadHashKind.FNV1A_64, 0, (Long) f.get(1));
    }
    if (f.size() == 5 && Long.valueOf(SHA256_128).equals(f.get(2))) {
      return new IdValue(
          (Long) f.get(0),
          (Long) f.get(1),
          PayloadHashKind.SHA256_128,
          (Long) f.get(3),
          (Long) f.get(4));
    }
    throw new IllegalArgumentException(
        "not an event id value of a known format (" + f.size() + " fields)");
  }

  /**
   * The stream's last committed position, -1 when it is empty. The index spans segments, so this
   * holds across owner changes.
   */
  public static CompletableFuture<Long> lastPosition(KvStore store, String stream) {
    return store
        .scan(Keyspace.positionRange(stream), 1, true)
        .thenApply(
            page ->
                page.entries().isEmpty()
                    ? -1L
                    : Keyspace.positionOfIndexKey(page.entries().get(0).key()));
  }
}
