package io.fossil.storage;

import io.fossil.kv.KvStore;
import io.fossil.kv.TupleKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The two indexes over stored events, shared by the writer and the readers: the stream index
 * ({@link Keyspace#indexKey}: stream, position → segment sequence and counter of the one stored
 * copy) and the event ids ({@link Keyspace#idKey}: stream, id → position and payload hash, ADR
 * 0013).
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

  /** The event id value: the event's position and the hash of its payload. */
  public static byte[] idValue(long position, long payloadHash) {
    return TupleKey.of(position, payloadHash);
  }

  /** (position, payload hash) of an event id value. */
  public static long[] decodeIdValue(byte[] value) {
    List<Object> f = TupleKey.decode(value);
    return new long[] {(Long) f.get(0), (Long) f.get(1)};
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
