package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.position.SegmentId;
import io.fossil.storage.Keyspace;
import io.fossil.storage.SegmentRecords;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How an appender takes its segment (ADR 0011): seal every unsealed ancestor, oldest first ({@link
 * SegmentSealer}), then claim the segment for this incarnation, then read where its counter stands,
 * all before any stream head is read. Stateless; futures complete on storage threads.
 */
final class SegmentStartup {

  private SegmentStartup() {}

  /**
   * Completes with the segment's next counter once the ancestors are sealed (their final counters
   * put into {@code sealed}, oldest first) and the segment is claimed; exceptionally if it cannot
   * be taken (already sealed, or held by another incarnation).
   */
  static CompletableFuture<Long> run(
      KvStore store,
      SegmentId segment,
      long epoch,
      long incarnation,
      List<SegmentId> ancestors,
      Map<SegmentId, Long> sealed) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (SegmentId ancestor : ancestors) {
      chain =
          chain.thenCompose(
              x ->
                  SegmentSealer.seal(store, ancestor.seq(), segment.seq(), epoch)
                      .thenAccept(c -> sealed.put(ancestor, c)));
    }
    return chain
        .thenCompose(x -> claim(store, segment, incarnation, 0))
        .thenCompose(x -> store.scan(Keyspace.eventRange(segment.seq()), 1, true))
        .thenApply(
            page ->
                page.entries().isEmpty()
                    ? 0
                    : Keyspace.counterOfEventKey(page.entries().get(0).key()) + 1);
  }

  /** Writes the owner incarnation once; refuses a segment that is sealed or held by another run. */
  private static CompletableFuture<Void> claim(
      KvStore store, SegmentId segment, long incarnation, int attempt) {
    byte[] sealKey = Keyspace.sealKey(segment.seq());
    byte[] metaKey = Keyspace.metaKey(segment.seq());
    byte[] mine = SegmentRecords.ownerClaim(incarnation);
    return store
        .write(
            WriteBatch.builder()
                .requireAbsent(sealKey)
                .requireAbsent(metaKey)
                .put(metaKey, mine)
                .build())
        .handle((outcome, error) -> outcome != null ? outcome : BatchCommitter.unknown(error))
        .thenCompose(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed) {
                return CompletableFuture.completedFuture(null);
              }
              if (outcome instanceof WriteOutcome.Unknown && attempt < 20) {
                // The claim is idempotent: try again until the answer is definite.
                return claim(store, segment, incarnation, attempt + 1);
              }
              return store
                  .get(sealKey)
                  .thenCombine(
                      store.get(metaKey), (seal, meta) -> checkClaim(segment, seal, meta, mine));
            });
  }

  private static Void checkClaim(
      SegmentId segment, Optional<byte[]> seal, Optional<byte[]> meta, byte[] mine) {
    if (seal.isPresent()) {
      throw new IllegalStateException("segment " + segment + " is already sealed in storage");
    }
    if (meta.isEmpty() || !Arrays.equals(meta.get(), mine)) {
      // A new incarnation never writes to a segment an earlier one held (DESIGN invariant 9).
      throw new IllegalStateException(
          "segment " + segment + " was claimed by another incarnation of its owner");
    }
    return null;
  }
}
