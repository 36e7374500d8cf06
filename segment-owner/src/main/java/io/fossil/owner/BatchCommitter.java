package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.Mutation;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.owner.SegmentAppender.Pending;
import io.fossil.owner.SegmentAppender.State;
import io.fossil.position.SegmentId;
import io.fossil.storage.EventRecord;
import io.fossil.storage.Keyspace;
import io.fossil.storage.StoredEvent;
import io.fossil.storage.StreamIndex;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits one batch of an appender at a time (ADR 0011, 0012, 0013): reads the heads and ids the
 * batch needs, assigns positions and counters, writes one conditional batch (its event records
 * first, then its index and id keys), and maps the outcome to each append's {@link AppendResult}.
 * An unknown outcome is resolved by the {@link OutcomeResolver}. An expected position that differs
 * from the head the batch used is answered only once {@link ConflictCheck} confirms it against the
 * store: a cached head goes stale when the segment moved away unseen.
 *
 * <p>The future {@link #commit} returns fails only for what went wrong before the write was sent
 * (the appender then requeues the batch); anything that goes wrong once it was sent is answered
 * here, so that a batch that may have committed is never written again with the same counters. The
 * batch's first event key must be absent, so even a bug that reused counters could not overwrite a
 * committed event.
 *
 * <p>Called by its {@link SegmentAppender} with at most one batch in flight. The next counter and
 * the head cache are guarded by the appender's monitor, the same lock that guards its queue, and
 * every result is completed outside it.
 */
final class BatchCommitter {

  private static final Logger LOG = LoggerFactory.getLogger(BatchCommitter.class);

  private final SegmentAppender appender;
  private final KvStore store;
  private final SegmentId segment;
  private final SegmentAppender.Config config;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final byte[] sealKey;
  private final OutcomeResolver resolver;

  // Guarded by appender.
  private long nextCounter;
  private final HeadCache heads;
  private volatile IntConsumer batchListener = n -> {};

  /** An append placed in the batch being written: its positions and counters. */
  private record Planned(Pending pending, long firstPosition, long firstCounter) {}

  BatchCommitter(
      SegmentAppender appender,
      KvStore store,
      SegmentId segment,
      long epoch,
      SegmentAppender.Config config,
      Clock clock,
      LongSupplier nanoTime,
      byte[] sealKey) {
    this.appender = appender;
    this.store = store;
    this.segment = segment;
    this.config = config;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.sealKey = sealKey;
    this.heads = new HeadCache(config.maxCachedHeads());
    this.resolver = new OutcomeResolver(appender, store, sealKey, epoch, segment, nanoTime);
  }

  void onBatchCommitted(IntConsumer listener) {
    this.batchListener = listener;
  }

  /** Where the segment's counter stands at start; the caller holds the appender's monitor. */
  void startAt(long counter) {
    nextCounter = counter;
  }

  /** Reads what the batch needs (heads, ids), then writes it. */
  CompletableFuture<Void> commit(List<Pending> batch) {
    List<String> streams = batch.stream().map(p -> p.request.stream()).toList();
    long[] cached;
    synchronized (appender) {
      cached = heads.getAll(streams);
    }
    List<CompletableFuture<Long>> headReads = new ArrayList<>();
    List<CompletableFuture<List<Optional<byte[]>>>> idReads = new ArrayList<>();
    for (int k = 0; k < batch.size(); k++) {
      // On a miss, the index spans segments, so positions continue across owner changes.
      headReads.add(
          cached[k] != HeadCache.UNKNOWN
              ? CompletableFuture.completedFuture(cached[k])
              : StreamIndex.lastPosition(store, streams.get(k)));
      idReads.add(ids(batch.get(k).request));
    }
    List<CompletableFuture<?>> all = new ArrayList<>(headReads);
    all.addAll(idReads);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenCompose(
            x -> {
              List<Long> h = headReads.stream().map(f -> f.getNow(null)).toList();
              List<List<Optional<byte[]>>> i = idReads.stream().map(f -> f.getNow(null)).toList();
              return write(batch, h, i);
            });
  }

  private CompletableFuture<List<Optional<byte[]>>> ids(AppendRequest request) {
    List<CompletableFuture<Optional<byte[]>>> reads = new ArrayList<>();
    for (ProposedEvent e : request.events()) {
      reads.add(
          e.id() == null
              ? CompletableFuture.completedFuture(Optional.empty())
              : store.get(Keyspace.idKey(request.stream(), e.id())));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(x -> reads.stream().map(f -> f.getNow(Optional.empty())).toList());
  }

  private CompletableFuture<Void> write(
      List<Pending> batch, List<Long> headsRead, List<List<Optional<byte[]>>> idsRead) {
    List<Runnable> completions = new ArrayList<>();
    List<Planned> planned = new ArrayList<>();
    List<Pending> suspects = new ArrayList<>();
    WriteBatch.Builder wb = WriteBatch.builder();
    if (!config.unfencedForTesting()) {
      wb.requireAbsent(sealKey);
    }
    byte[] firstKey = null;
    byte[] firstRecord = null;
    // The batch's event records go first and its index and id keys after them: the records' keys
    // are consecutive, so an ordered store (RocksDB's memtable) inserts each next to the last
    // instead of searching from the top after every scattered index key.
    List<Mutation> keyPuts = new ArrayList<>();
    long counter;
    synchronized (appender) {
      counter = nextCounter;
      long now = clock.millis();
      for (int k = 0; k < batch.size(); k++) {
        Pending p = batch.get(k);
        AppendRequest r = p.request;
        long head = headsRead.get(k);
        AppendResult early = StoredIds.check(r, p.payloadHashes, idsRead.get(k));
        if (early == null
            && r.expectedPosition() != AppendRequest.ANY
            && r.expectedPosition() != head) {
          // Answered only once the store confirms it (a cached head may be stale).
          suspects.add(p);
          continue;
        }
        if (early != null) {
          AppendResult result = early;
          completions.add(() -> p.future.complete(result));
          continue;
        }
        planned.add(new Planned(p, head + 1, counter));
        if (head >= 0) {
          wb.requirePresent(Keyspace.indexKey(r.stream(), head));
        }
        long position = head + 1;
        for (int i = 0; i < r.events().size(); i++) {
          ProposedEvent e = r.events().get(i);
          byte[] key = Keyspace.eventKey(segment.seq(), counter);
          byte[] record =
              EventRecord.encode(
                  new StoredEvent(
                      r.stream(), position, e.id(), e.type(), e.data(), e.metadata(), now));
          if (firstKey == null) {
            firstKey = key;
            firstRecord = record;
          }
          byte[] indexKey = Keyspace.indexKey(r.stream(), position);
          wb.put(key, record).requireAbsent(indexKey);
          keyPuts.add(new Mutation.Put(indexKey, StreamIndex.indexValue(segment.seq(), counter)));
          if (e.id() != null) {
            byte[] idKey = Keyspace.idKey(r.stream(), e.id());
            wb.requireAbsent(idKey);
            keyPuts.add(
                new Mutation.Put(
                    idKey,
                    StreamIndex.idValue(
                        position, head + 1, p.payloadHashes[2 * i], p.payloadHashes[2 * i + 1])));
          }
          position++;
          counter++;
        }
      }
    }
    keyPuts.forEach(wb::add);
    completions.forEach(Runnable::run);
    CompletableFuture<Void> written =
        planned.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : send(planned, wb, firstKey, firstRecord, counter);
    // Confirmed after the batch's own write, within its turn: no other write of this appender
    // runs meanwhile, so the heads read stay this appender's to cache.
    return suspects.isEmpty() ? written : written.thenCompose(x -> confirmConflicts(suspects));
  }

  private CompletableFuture<Void> send(
      List<Planned> planned,
      WriteBatch.Builder wb,
      byte[] firstKey,
      byte[] firstRecord,
      long endCounter) {
    // Counters are dense and assigned in order, so if any counter of the batch were taken, the
    // first would be: this one precondition keeps every committed record from being overwritten.
    wb.requireAbsent(firstKey);
    WriteBatch writeBatch = wb.build();
    CompletableFuture<WriteOutcome> sent;
    try {
      sent = store.write(writeBatch);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    return sent.handle((outcome, error) -> outcome != null ? outcome : unknown(error))
        .thenCompose(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed) {
                committed(planned, endCounter);
                return CompletableFuture.<Void>completedFuture(null);
              }
              if (outcome instanceof WriteOutcome.PreconditionFailed f) {
                return preconditionFailed(planned, f, firstKey);
              }
              long deadline = nanoTime.getAsLong() + config.resolveTimeout().toNanos();
              return resolver
                  .resolve(writeBatch, firstKey, firstRecord, deadline)
                  .handle(
                      (committed, error) -> {
                        if (error != null) {
                          fail(
                              planned,
                              State.FAILED,
                              new AppendResult.OutcomeUnknown(
                                  "storage did not confirm the write; retry with the same event ids"));
                        } else if (committed) {
                          committed(planned, endCounter);
                        } else {
                          fail(planned, State.SEALED, new AppendResult.Sealed(segment));
                        }
                        return null;
                      });
            })
        .exceptionally(error -> afterWriteFailed(planned, error));
  }

  /**
   * Answers the appends whose expected position differed from the head the batch used, once the
   * store confirms it ({@link ConflictCheck}): a sealed segment makes them (and the appender)
   * {@code Sealed}, so the router retries at the successor; a head that the store shows equal to
   * the expected position was stale and the append goes round again; otherwise a conflict citing
   * the store's head. A failed read requeues them: nothing of theirs was written.
   */
  private CompletableFuture<Void> confirmConflicts(List<Pending> suspects) {
    List<String> streams = suspects.stream().map(p -> p.request.stream()).toList();
    return ConflictCheck.read(store, config.unfencedForTesting() ? null : sealKey, streams)
        .handle(
            (found, error) -> {
              if (error != null) {
                synchronized (appender) {
                  appender.requeue(suspects);
                }
              } else if (found.sealed()) {
                appender.fail(suspects, State.SEALED, new AppendResult.Sealed(segment));
              } else {
                answerConflicts(suspects, found.heads());
              }
              return null;
            });
  }

  private void answerConflicts(List<Pending> suspects, List<Long> stored) {
    List<Runnable> completions = new ArrayList<>();
    List<Pending> again = new ArrayList<>();
    synchronized (appender) {
      for (int k = 0; k < suspects.size(); k++) {
        Pending p = suspects.get(k);
        AppendRequest r = p.request;
        long head = stored.get(k);
        heads.put(r.stream(), head);
        if (r.expectedPosition() == head) {
          again.add(p);
        } else {
          AppendResult result = new AppendResult.Conflict(r.stream(), r.expectedPosition(), head);
          completions.add(() -> p.future.complete(result));
        }
      }
      appender.requeue(again);
    }
    completions.forEach(Runnable::run);
  }

  /**
   * Something threw after the batch was sent (a bug): whether it committed, and which counters are
   * taken, is not known here, so the appender stops and its appends hear "outcome unknown"; the
   * node then asks placement for a successor, which seals the segment (ADR 0012).
   */
  private Void afterWriteFailed(List<Planned> planned, Throwable error) {
    LOG.error("segment {}: failure after a batch was written; the appender stops", segment, error);
    fail(
        planned,
        State.FAILED,
        new AppendResult.OutcomeUnknown(
            "the owner failed after writing; retry with the same event ids"));
    return null;
  }

  static WriteOutcome unknown(Throwable error) {
    // A write future that failed exceptionally was certainly not applied (KvStore contract), but
    // treating it as unknown is always safe: resolution will find out.
    return new WriteOutcome.Unknown("write failed", error);
  }

  private void committed(List<Planned> planned, long endCounter) {
    List<Runnable> completions = new ArrayList<>();
    List<String> streams = new ArrayList<>(planned.size());
    long[] lasts = new long[planned.size()];
    synchronized (appender) {
      nextCounter = endCounter;
      for (int k = 0; k < planned.size(); k++) {
        Planned p = planned.get(k);
        AppendRequest r = p.pending.request;
        int n = r.events().size();
        long last = p.firstPosition + n - 1;
        streams.add(r.stream());
        lasts[k] = last;
        AppendResult.Appended result =
            new AppendResult.Appended(
                r.stream(), p.firstPosition, last, segment, p.firstCounter, p.firstCounter + n - 1);
        completions.add(() -> p.pending.future.complete(result));
      }
      heads.putAll(streams, lasts);
    }
    completions.forEach(Runnable::run);
    try {
      batchListener.accept((int) (endCounter - planned.get(0).firstCounter));
    } catch (RuntimeException e) {
      // The batch committed: a listener (metrics) that throws must not send it round again.
      LOG.warn("segment {}: a batch listener failed", segment, e);
    }
  }

  private CompletableFuture<Void> preconditionFailed(
      List<Planned> planned, WriteOutcome.PreconditionFailed f, byte[] firstKey) {
    boolean counterTaken = false;
    for (byte[] key : f.keys()) {
      if (Arrays.equals(key, sealKey)) {
        // A successor sealed this segment: nothing of this batch committed, nothing will.
        fail(planned, State.SEALED, new AppendResult.Sealed(segment));
        return CompletableFuture.completedFuture(null);
      }
      counterTaken |= Arrays.equals(key, firstKey);
    }
    if (!counterTaken) {
      // A cached head was stale: forget the heads involved and try those appends again.
      retry(planned, -1);
      return CompletableFuture.completedFuture(null);
    }
    // The counter in memory is behind the store's (never expected: only this appender writes
    // here). Nothing of the batch committed; continue after the segment's last stored counter.
    LOG.error(
        "segment {}: counter {} is taken already; reading the last one",
        segment,
        counterInMemory());
    return store
        .scan(Keyspace.eventRange(segment.seq()), 1, true)
        .thenAccept(
            page ->
                retry(
                    planned,
                    page.entries().isEmpty()
                        ? 0
                        : Keyspace.counterOfEventKey(page.entries().get(0).key()) + 1))
        .exceptionally(
            e -> {
              retry(planned, -1); // the next round reads again
              return null;
            });
  }

  private long counterInMemory() {
    synchronized (appender) {
      return nextCounter;
    }
  }

  /** Forgets the appends' heads and requeues them; the counter moves up to {@code next}. */
  private void retry(List<Planned> planned, long next) {
    synchronized (appender) {
      nextCounter = Math.max(nextCounter, next);
      for (Planned p : planned) {
        heads.remove(p.pending.request.stream());
      }
      appender.requeue(planned.stream().map(Planned::pending).toList());
    }
  }

  /** Completes the planned appends and everything queued, and stops the appender. */
  private void fail(List<Planned> planned, State end, AppendResult result) {
    appender.fail(planned.stream().map(Planned::pending).toList(), end, result);
  }
}
