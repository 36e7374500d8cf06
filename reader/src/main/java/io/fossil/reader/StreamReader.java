package io.fossil.reader;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.KvStore;
import io.fossil.kv.TupleKey;
import io.fossil.storage.EventRecord;
import io.fossil.storage.Keyspace;
import io.fossil.storage.StoredEvent;
import io.fossil.storage.StreamIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Reads one stream through its index ({@code /str/{stream}/{position}} → segment and counter), from
 * any node: the index entry and the event are written in the same batch, so a read sees either both
 * or neither. Reads are as fresh as the store's reads (linearizable on every backend we ship).
 * Thread-safe.
 */
public final class StreamReader {

  /** Largest page a caller may ask for. */
  public static final int MAX_LIMIT = 1_000;

  /** An event as read, with the segment sequence and counter that hold it. */
  public record ReadEvent(StoredEvent event, long segmentSeq, long counter) {}

  /**
   * A page of one stream. {@code lastPosition} is the stream's last committed position when the
   * page was read (-1 for an empty stream).
   */
  public record StreamPage(String stream, List<ReadEvent> events, long lastPosition) {}

  private final KvStore store;

  public StreamReader(KvStore store) {
    this.store = store;
  }

  /**
   * Reads up to {@code limit} events starting at position {@code from}: forwards from {@code from}
   * upwards, or backwards from {@code from} downwards ({@code Long.MAX_VALUE} = from the end).
   */
  public CompletableFuture<StreamPage> read(String stream, long from, int limit, boolean forward) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
    }
    if (from < 0) {
      throw new IllegalArgumentException("from must not be negative");
    }
    KeyRange all = Keyspace.indexRange(stream);
    KeyRange range =
        forward
            ? KeyRange.of(Keyspace.indexKey(stream, from), all.end())
            : from == Long.MAX_VALUE
                ? all
                : KeyRange.of(all.start(), Keyspace.indexKey(stream, from + 1));
    CompletableFuture<Long> head = StreamIndex.lastPosition(store, stream);
    return collect(range, limit, !forward, new ArrayList<>())
        .thenCompose(this::events)
        .thenCombine(head, (events, last) -> new StreamPage(stream, events, last));
  }

  /** Scans until {@code limit} entries are collected or the range is exhausted. */
  private CompletableFuture<List<KeyValue>> collect(
      KeyRange range, int limit, boolean reverse, List<KeyValue> into) {
    return store
        .scan(range, limit - into.size(), reverse)
        .thenCompose(
            page -> {
              into.addAll(page.entries());
              Optional<KeyRange> rest = page.rest();
              if (into.size() >= limit || rest.isEmpty()) {
                return CompletableFuture.completedFuture(into);
              }
              return collect(rest.get(), limit, reverse, into);
            });
  }

  private CompletableFuture<List<ReadEvent>> events(List<KeyValue> index) {
    List<CompletableFuture<ReadEvent>> reads = new ArrayList<>(index.size());
    for (KeyValue entry : index) {
      long[] ref = StreamIndex.decodeIndexValue(entry.value());
      byte[] key = Keyspace.eventKey(ref[0], ref[1]);
      reads.add(
          store
              .get(key)
              .thenApply(
                  value ->
                      new ReadEvent(
                          EventRecord.decode(
                              value.orElseThrow(
                                  () ->
                                      new IllegalStateException(
                                          "stream index entry "
                                              + TupleKey.decode(entry.key())
                                              + " points at a missing event "
                                              + TupleKey.decode(key)))),
                          ref[0],
                          ref[1])));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(x -> reads.stream().map(CompletableFuture::join).toList());
  }
}
