package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.position.SegmentId;
import io.fossil.storage.SegmentRecords;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Settles a batch whose write outcome is unknown (ADR 0012): resubmits the identical batch until
 * the store answers definitely, and fences the segment itself when that proves nothing. Used by the
 * {@link BatchCommitter} of one appender, for the one batch in flight; futures complete on storage
 * threads.
 */
final class OutcomeResolver {

  private final SegmentAppender appender;
  private final KvStore store;
  private final byte[] sealKey;
  private final long epoch;
  private final SegmentId segment;
  private final LongSupplier nanoTime;

  OutcomeResolver(
      SegmentAppender appender,
      KvStore store,
      byte[] sealKey,
      long epoch,
      SegmentId segment,
      LongSupplier nanoTime) {
    this.appender = appender;
    this.store = store;
    this.sealKey = sealKey;
    this.epoch = epoch;
    this.segment = segment;
    this.nanoTime = nanoTime;
  }

  /**
   * Resubmits the identical batch until its outcome is definite (ADR 0012). Its preconditions make
   * a resubmission idempotent. A failed precondition after an unknown attempt proves nothing by
   * itself, so the batch counts as committed iff its first event key holds our bytes — and if it
   * does not, the segment seals itself so that the first attempt can never land later. Completes
   * with true (committed) or false (certainly not), or exceptionally if still unknown.
   */
  CompletableFuture<Boolean> resolve(
      WriteBatch batch, byte[] firstKey, byte[] firstRecord, long deadlineNanos) {
    return store
        .write(batch)
        .handle((outcome, error) -> outcome != null ? outcome : BatchCommitter.unknown(error))
        .thenCompose(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed) {
                return CompletableFuture.completedFuture(true);
              }
              if (outcome instanceof WriteOutcome.PreconditionFailed) {
                return holdsOurs(firstKey, firstRecord)
                    .thenCompose(
                        ours ->
                            ours
                                ? CompletableFuture.completedFuture(true)
                                : selfFence(firstKey, firstRecord));
              }
              if (nanoTime.getAsLong() - deadlineNanos > 0) {
                return selfFence(firstKey, firstRecord);
              }
              Executor later = CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS);
              return CompletableFuture.supplyAsync(() -> null, later)
                  .thenCompose(x -> resolve(batch, firstKey, firstRecord, deadlineNanos));
            });
  }

  /** Puts a seal marker on our own segment: after it, nothing can land, so a read is final. */
  private CompletableFuture<Boolean> selfFence(byte[] firstKey, byte[] firstRecord) {
    return store
        .write(
            WriteBatch.builder()
                .requireAbsent(sealKey)
                .put(sealKey, SegmentRecords.sealMarker(segment.seq(), epoch))
                .build())
        .thenCompose(
            outcome -> {
              if (outcome instanceof WriteOutcome.Unknown u) {
                return CompletableFuture.failedFuture(
                    new IllegalStateException(
                        "could not fence the segment: " + u.reason(), u.cause()));
              }
              appender.selfFenced();
              return holdsOurs(firstKey, firstRecord);
            });
  }

  private CompletableFuture<Boolean> holdsOurs(byte[] key, byte[] record) {
    return store.get(key).thenApply(v -> v.isPresent() && Arrays.equals(v.get(), record));
  }
}
