package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.storage.Keyspace;
import io.fossil.storage.SegmentRecords;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Seals a segment in the store, fence first (ADR 0011): put a seal marker if none is there; then
 * read the highest counter, which is final because no batch can commit past the marker (every batch
 * requires the seal key absent); then replace the marker with the seal record holding that final
 * counter, on the condition that the marker is still the one we read. Any marker fences — ours, a
 * crashed successor's, or the owner's own self-fence — so a half-done seal is completed by whoever
 * comes next. Idempotent; safe to race.
 */
final class SegmentSealer {

  private static final int MAX_ROUNDS = 20;

  private SegmentSealer() {}

  /** Completes with the segment's final counter (-1 if it holds no event). */
  static CompletableFuture<Long> seal(KvStore store, long seq, long bySeq, long epoch) {
    return round(store, seq, bySeq, epoch, 0);
  }

  private static CompletableFuture<Long> round(
      KvStore store, long seq, long bySeq, long epoch, int n) {
    if (n >= MAX_ROUNDS) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("could not seal segment " + seq + " after " + n + " rounds"));
    }
    byte[] key = Keyspace.sealKey(seq);
    return store
        .get(key)
        .thenCompose(
            current -> {
              if (current.isPresent()) {
                OptionalLong done = SegmentRecords.finalCounter(current.get());
                if (done.isPresent()) {
                  return CompletableFuture.completedFuture(done.getAsLong());
                }
                return finish(store, seq, bySeq, epoch, current.get(), n);
              }
              byte[] marker = SegmentRecords.sealMarker(bySeq, epoch);
              return store
                  .write(WriteBatch.builder().requireAbsent(key).put(key, marker).build())
                  .handle((o, e) -> o)
                  .thenCompose(
                      o ->
                          o instanceof WriteOutcome.Committed
                              ? finish(store, seq, bySeq, epoch, marker, n)
                              // Lost a race or unknown: look again; the marker is idempotent.
                              : round(store, seq, bySeq, epoch, n + 1));
            });
  }

  private static CompletableFuture<Long> finish(
      KvStore store, long seq, long bySeq, long epoch, byte[] marker, int n) {
    byte[] key = Keyspace.sealKey(seq);
    return store
        .scan(Keyspace.eventRange(seq), 1, true)
        .thenCompose(
            page -> {
              long last =
                  page.entries().isEmpty()
                      ? -1
                      : Keyspace.counterOfEventKey(page.entries().get(0).key());
              return store
                  .write(
                      WriteBatch.builder()
                          .requireEquals(key, marker)
                          .put(key, SegmentRecords.sealRecord(bySeq, epoch, last))
                          .build())
                  .handle((o, e) -> Optional.ofNullable(o))
                  .thenCompose(
                      o ->
                          o.isPresent() && o.get() instanceof WriteOutcome.Committed
                              ? CompletableFuture.completedFuture(last)
                              : round(store, seq, bySeq, epoch, n + 1));
            });
  }
}
