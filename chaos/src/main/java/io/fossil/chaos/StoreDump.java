package io.fossil.chaos;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.KvStore;
import io.fossil.kv.ScanPage;
import io.fossil.storage.EventRecord;
import io.fossil.storage.Keyspace;
import io.fossil.storage.SegmentRecords;
import io.fossil.storage.StoredEvent;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Every segment's events and seal record, read straight from the store with no Fossil code path in
 * between but the key layout: what the checker compares the API's answers against.
 */
public record StoreDump(SortedMap<Long, Segment> segments) {

  /**
   * One segment as stored.
   *
   * @param events counter → event
   * @param sealed whether a seal marker or record exists
   * @param finalCounter the seal record's final counter (the first counter not in the segment),
   *     empty while only a marker exists or the segment is open
   */
  public record Segment(
      long seq, SortedMap<Long, Seen> events, boolean sealed, OptionalLong finalCounter) {}

  /** Reads the whole event space of {@code store}, page by page. */
  public static StoreDump read(KvStore store) throws Exception {
    SortedMap<Long, Segment> segments = new TreeMap<>();
    KeyRange all = Keyspace.segmentsRange();
    KeyRange rest = all;
    while (rest != null) {
      ScanPage page = store.scan(rest, 1_000, false).get(60, TimeUnit.SECONDS);
      for (KeyValue kv : page.entries()) {
        long seq = Keyspace.segmentOf(kv.key());
        Segment s =
            segments.computeIfAbsent(
                seq, q -> new Segment(q, new TreeMap<>(), false, OptionalLong.empty()));
        Keyspace.Kind kind = Keyspace.kindOf(kv.key()).orElse(null);
        if (kind == Keyspace.Kind.EVENT) {
          StoredEvent e = EventRecord.decode(kv.value());
          long counter = Keyspace.counterOfEventKey(kv.key());
          s.events().put(counter, new Seen(e.stream(), e.position(), e.id(), seq, counter));
        } else if (kind == Keyspace.Kind.SEAL) {
          segments.put(
              seq, new Segment(seq, s.events(), true, SegmentRecords.finalCounter(kv.value())));
        }
      }
      rest = page.rest().orElse(null);
    }
    return new StoreDump(segments);
  }
}
