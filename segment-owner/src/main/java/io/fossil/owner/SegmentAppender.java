package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.Mutation;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.position.SegmentId;
import io.fossil.storage.EventRecord;
import io.fossil.storage.Keyspace;
import io.fossil.storage.SegmentRecords;
import io.fossil.storage.StoredEvent;
import io.fossil.storage.StreamIndex;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The single writer of one segment (ADR 0011, 0012). It assigns stream positions and segment
 * counters in memory and group-commits queued appends into one conditional batch write at a time,
 * so counters are dense and become visible in order.
 *
 * <p>Every batch carries the preconditions "segment not sealed", "each index key absent" and, for a
 * stream's first event in the batch at position p &gt; 0, "p-1 present": storage, not the lease,
 * fences a stale owner. {@link #start()} first seals every unsealed ancestor in the store (fence,
 * then read the final counter, then record it), before any stream head is read.
 *
 * <p>Thread-safe: any thread may call {@link #append}. Futures complete on storage threads.
 * Expected outcomes are {@link AppendResult} values; bad input throws {@link
 * InvalidAppendException} at once.
 */
public final class SegmentAppender implements AutoCloseable {

  /**
   * @param maxQueued appends waiting beyond this are refused as overloaded
   * @param maxAppendsPerBatch bound on appends grouped into one storage write
   * @param resolveTimeout how long an unknown storage outcome is retried before self-fencing
   * @param maxCachedHeads stream heads kept in memory (the streams cached longest ago go first)
   */
  public record Config(
      int maxQueued,
      int maxAppendsPerBatch,
      Duration resolveTimeout,
      int maxCachedHeads,
      boolean unfencedForTesting) {
    public static final Config DEFAULT =
        new Config(20_000, 2_048, Duration.ofSeconds(10), 1_000_000, false);

    /**
     * The fault suite's negative control, never for real use: batches no longer require "segment
     * not sealed" and the owner no longer checks its lease, so an owner that was paused past its
     * lease, or cut off from the placement group, goes on writing into a segment its successor has
     * sealed. The suite must then report violations, which proves its checker can fail.
     */
    public Config unfenced() {
      return new Config(maxQueued, maxAppendsPerBatch, resolveTimeout, maxCachedHeads, true);
    }
  }

  /** Lifecycle: NEW → STARTING → ACTIVE → (SEALED | FAILED | CLOSED). */
  public enum State {
    NEW,
    STARTING,
    ACTIVE,
    SEALED,
    FAILED,
    CLOSED
  }

  private static final int MAX_REQUEUES = 10;

  private final KvStore store;
  private final SegmentId segment;
  private final long epoch;
  private final long incarnation;
  private final List<SegmentId> ancestors;
  private final AppendLimits limits;
  private final Config config;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final byte[] sealKey;

  // Guarded by this.
  private State state = State.NEW;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean inFlight;
  private long nextCounter;
  private final HeadCache heads;
  private volatile long leaseDeadlineNanos;
  private volatile IntConsumer batchListener = n -> {};

  private static final class Pending {
    final AppendRequest request;
    final CompletableFuture<AppendResult> future = new CompletableFuture<>();
    int requeues;

    Pending(AppendRequest request) {
      this.request = request;
    }
  }

  /** An append placed in the batch being written: its positions and counters. */
  private record Planned(Pending pending, long firstPosition, long firstCounter) {}

  /**
   * @param ancestors every ancestor that may still be unsealed in the store, oldest first
   * @param leaseDeadlineNanos on {@code nanoTime}'s scale; appends are refused after it
   */
  public SegmentAppender(
      KvStore store,
      SegmentId segment,
      long epoch,
      long incarnation,
      List<SegmentId> ancestors,
      long leaseDeadlineNanos,
      Config config,
      Clock clock,
      LongSupplier nanoTime) {
    this.store = store;
    this.segment = segment;
    this.epoch = epoch;
    this.incarnation = incarnation;
    this.ancestors = List.copyOf(ancestors);
    this.limits = new AppendLimits(store.limits());
    this.config = config;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.leaseDeadlineNanos = leaseDeadlineNanos;
    this.sealKey = Keyspace.sealKey(segment.seq());
    this.heads = new HeadCache(config.maxCachedHeads());
  }

  public SegmentId segment() {
    return segment;
  }

  public AppendLimits limits() {
    return limits;
  }

  public synchronized State state() {
    return state;
  }

  /** Called with the number of events of every batch committed (for metrics); must not block. */
  public void onBatchCommitted(IntConsumer listener) {
    this.batchListener = listener;
  }

  /** Extends the lease (the node calls this after each successful heartbeat). */
  public void renewLease(long deadlineNanos) {
    leaseDeadlineNanos = Math.max(leaseDeadlineNanos, deadlineNanos);
  }

  /**
   * Seals the ancestors in the store, claims the segment for this incarnation and reads where its
   * counter stands. Completes with the final counter of each ancestor sealed (for placement), or
   * exceptionally if the segment cannot be taken (already sealed, or held by another incarnation).
   */
  public CompletableFuture<Map<SegmentId, Long>> start() {
    synchronized (this) {
      if (state != State.NEW) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("appender already started"));
      }
      state = State.STARTING;
    }
    Map<SegmentId, Long> sealed = new LinkedHashMap<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (SegmentId ancestor : ancestors) {
      chain =
          chain.thenCompose(
              x ->
                  SegmentSealer.seal(store, ancestor.seq(), segment.seq(), epoch)
                      .thenAccept(c -> sealed.put(ancestor, c)));
    }
    return chain
        .thenCompose(x -> claim())
        .thenCompose(x -> store.scan(Keyspace.eventRange(segment.seq()), 1, true))
        .thenApply(
            page -> {
              long next =
                  page.entries().isEmpty()
                      ? 0
                      : Keyspace.counterOfEventKey(page.entries().get(0).key()) + 1;
              synchronized (this) {
                nextCounter = next;
                if (state == State.STARTING) {
                  state = State.ACTIVE;
                }
              }
              maybeSend();
              return Map.copyOf(sealed);
            })
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                finish(State.FAILED, p -> new AppendResult.NotOwner(null));
              }
            });
  }

  /** Writes the owner incarnation once; refuses a segment that is sealed or held by another run. */
  private CompletableFuture<Void> claim() {
    return claim(0);
  }

  private CompletableFuture<Void> claim(int attempt) {
    byte[] metaKey = Keyspace.metaKey(segment.seq());
    byte[] mine = SegmentRecords.ownerClaim(incarnation);
    return store
        .write(
            WriteBatch.builder()
                .requireAbsent(sealKey)
                .requireAbsent(metaKey)
                .put(metaKey, mine)
                .build())
        .handle((outcome, error) -> outcome != null ? outcome : unknown(error))
        .thenCompose(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed) {
                return CompletableFuture.completedFuture(null);
              }
              if (outcome instanceof WriteOutcome.Unknown && attempt < 20) {
                // The claim is idempotent: try again until the answer is definite.
                return claim(attempt + 1);
              }
              return store
                  .get(sealKey)
                  .thenCombine(store.get(metaKey), (seal, meta) -> checkClaim(seal, meta, mine));
            });
  }

  private Void checkClaim(Optional<byte[]> seal, Optional<byte[]> meta, byte[] mine) {
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

  /** Queues an append; see {@link AppendResult} for the outcomes. */
  public CompletableFuture<AppendResult> append(AppendRequest request) {
    limits.check(request);
    Pending p = new Pending(request);
    AppendResult refused = null;
    synchronized (this) {
      switch (state) {
        case SEALED -> refused = new AppendResult.Sealed(segment);
        case FAILED, CLOSED -> refused = new AppendResult.NotOwner(null);
        default -> {
          if (!leaseValid()) {
            refused = new AppendResult.NotOwner(null);
          } else if (queue.size() >= config.maxQueued()) {
            refused = new AppendResult.Overloaded(queue.size());
          } else {
            queue.add(p);
          }
        }
      }
    }
    if (refused != null) {
      return CompletableFuture.completedFuture(refused);
    }
    maybeSend();
    return p.future;
  }

  private boolean leaseValid() {
    return config.unfencedForTesting() || nanoTime.getAsLong() - leaseDeadlineNanos < 0;
  }

  // ------------------------------------------------------------------ the write path

  private void maybeSend() {
    List<Pending> batch;
    synchronized (this) {
      if (inFlight || state != State.ACTIVE || queue.isEmpty()) {
        return;
      }
      if (!leaseValid()) {
        // Stop before the deadline: clients hear "not owner" now, not after the storage fence.
        List<Pending> dropped = new ArrayList<>(queue);
        queue.clear();
        completeAll(dropped, new AppendResult.NotOwner(null));
        return;
      }
      batch = takeBatch();
      inFlight = true;
    }
    prepare(batch)
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                // A read failed before anything was written: nothing committed, try again.
                synchronized (this) {
                  requeue(batch);
                }
              }
              synchronized (this) {
                inFlight = false;
              }
              maybeSend();
            });
  }

  /** One append per stream (so a conflict cites committed positions only), within the limits. */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    Set<String> streams = new HashSet<>();
    int preconditions = 1;
    int mutations = 0;
    long bytes = sealKey.length;
    for (var it = queue.iterator(); it.hasNext() && batch.size() < config.maxAppendsPerBatch(); ) {
      Pending p = it.next();
      if (streams.contains(p.request.stream())) {
        continue;
      }
      int n = p.request.events().size();
      int pre = 2 * n + 1;
      int mut = 3 * n;
      long size = 0;
      for (ProposedEvent e : p.request.events()) {
        size += e.data().length + e.metadata().length + AppendLimits.PER_EVENT_OVERHEAD;
      }
      if (!batch.isEmpty()
          && (Math.max(preconditions + pre, mutations + mut) > limits.kv().maxOperations()
              || bytes + size > limits.kv().maxBatchBytes())) {
        break;
      }
      preconditions += pre;
      mutations += mut;
      bytes += size;
      streams.add(p.request.stream());
      batch.add(p);
      it.remove();
    }
    return batch;
  }

  /** Reads what the batch needs (heads, ids), then writes it. */
  private CompletableFuture<Void> prepare(List<Pending> batch) {
    List<String> streams = batch.stream().map(p -> p.request.stream()).toList();
    long[] cached;
    synchronized (this) {
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
    synchronized (this) {
      counter = nextCounter;
      long now = clock.millis();
      for (int k = 0; k < batch.size(); k++) {
        Pending p = batch.get(k);
        AppendRequest r = p.request;
        long head = headsRead.get(k);
        AppendResult early = checkIds(r, idsRead.get(k));
        if (early == null
            && r.expectedPosition() != AppendRequest.ANY
            && r.expectedPosition() != head) {
          early = new AppendResult.Conflict(r.stream(), r.expectedPosition(), head);
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
        for (ProposedEvent e : r.events()) {
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
            keyPuts.add(new Mutation.Put(idKey, StreamIndex.idValue(position, e.payloadHash())));
          }
          position++;
          counter++;
        }
      }
    }
    keyPuts.forEach(wb::add);
    completions.forEach(Runnable::run);
    if (planned.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    long endCounter = counter;
    WriteBatch writeBatch = wb.build();
    byte[] key0 = firstKey;
    byte[] record0 = firstRecord;
    return store
        .write(writeBatch)
        .handle((outcome, error) -> outcome != null ? outcome : unknown(error))
        .thenCompose(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed) {
                committed(planned, endCounter);
                return CompletableFuture.completedFuture(null);
              }
              if (outcome instanceof WriteOutcome.PreconditionFailed f) {
                preconditionFailed(planned, f);
                return CompletableFuture.completedFuture(null);
              }
              long deadline = nanoTime.getAsLong() + config.resolveTimeout().toNanos();
              return resolve(writeBatch, key0, record0, deadline)
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
            });
  }

  /** Null if the ids allow the append; otherwise the duplicate or conflict result (ADR 0013). */
  private static AppendResult checkIds(AppendRequest r, List<Optional<byte[]>> stored) {
    int present = 0;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (int i = 0; i < stored.size(); i++) {
      Optional<byte[]> s = stored.get(i);
      if (s.isEmpty()) {
        continue;
      }
      present++;
      long[] v = StreamIndex.decodeIdValue(s.get());
      ProposedEvent e = r.events().get(i);
      if (v[1] != e.payloadHash()) {
        return new AppendResult.IdempotencyConflict(
            r.stream(), e.id(), "this id is already stored with a different payload");
      }
      first = Math.min(first, v[0]);
      last = Math.max(last, v[0]);
    }
    if (present == 0) {
      return null;
    }
    if (present < r.events().size()) {
      String missing = null;
      for (int i = 0; i < stored.size() && missing == null; i++) {
        if (stored.get(i).isPresent()) {
          missing = r.events().get(i).id();
        }
      }
      return new AppendResult.IdempotencyConflict(
          r.stream(), missing, "some of the append's events are stored already, but not all");
    }
    return new AppendResult.Duplicate(r.stream(), first, last);
  }

  private static WriteOutcome unknown(Throwable error) {
    // A write future that failed exceptionally was certainly not applied (KvStore contract), but
    // treating it as unknown is always safe: resolution will find out.
    return new WriteOutcome.Unknown("write failed", error);
  }

  private void committed(List<Planned> planned, long endCounter) {
    List<Runnable> completions = new ArrayList<>();
    batchListener.accept((int) (endCounter - planned.get(0).firstCounter));
    List<String> streams = new ArrayList<>(planned.size());
    long[] lasts = new long[planned.size()];
    synchronized (this) {
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
  }

  private void preconditionFailed(List<Planned> planned, WriteOutcome.PreconditionFailed f) {
    for (byte[] key : f.keys()) {
      if (Arrays.equals(key, sealKey)) {
        // A successor sealed this segment: nothing of this batch committed, nothing will.
        fail(planned, State.SEALED, new AppendResult.Sealed(segment));
        return;
      }
    }
    // Otherwise a cached head was stale: forget the heads involved and try those appends again.
    synchronized (this) {
      for (Planned p : planned) {
        heads.remove(p.pending.request.stream());
      }
      requeue(planned.stream().map(Planned::pending).toList());
    }
  }

  private void requeue(List<Pending> batch) {
    for (int i = batch.size() - 1; i >= 0; i--) {
      Pending p = batch.get(i);
      if (++p.requeues > MAX_REQUEUES) {
        p.future.complete(new AppendResult.Overloaded(queue.size()));
      } else {
        queue.addFirst(p);
      }
    }
  }

  /**
   * Resubmits the identical batch until its outcome is definite (ADR 0012). Its preconditions make
   * a resubmission idempotent. A failed precondition after an unknown attempt proves nothing by
   * itself, so the batch counts as committed iff its first event key holds our bytes — and if it
   * does not, the segment seals itself so that the first attempt can never land later. Completes
   * with true (committed) or false (certainly not), or exceptionally if still unknown.
   */
  private CompletableFuture<Boolean> resolve(
      WriteBatch batch, byte[] firstKey, byte[] firstRecord, long deadlineNanos) {
    return store
        .write(batch)
        .handle((outcome, error) -> outcome != null ? outcome : unknown(error))
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
              synchronized (this) {
                state = State.SEALED;
              }
              return holdsOurs(firstKey, firstRecord);
            });
  }

  private CompletableFuture<Boolean> holdsOurs(byte[] key, byte[] record) {
    return store.get(key).thenApply(v -> v.isPresent() && Arrays.equals(v.get(), record));
  }

  /** Completes the planned appends and everything queued, and stops the appender. */
  private void fail(List<Planned> planned, State end, AppendResult result) {
    completeAll(planned.stream().map(Planned::pending).toList(), result);
    finish(
        end,
        p ->
            end == State.SEALED
                ? new AppendResult.Sealed(segment)
                : new AppendResult.NotOwner(null));
  }

  private void finish(State end, java.util.function.Function<Pending, AppendResult> forQueued) {
    List<Pending> dropped;
    synchronized (this) {
      if (state != State.CLOSED) {
        state = end;
      }
      dropped = new ArrayList<>(queue);
      queue.clear();
    }
    for (Pending p : dropped) {
      p.future.complete(forQueued.apply(p));
    }
  }

  private static void completeAll(List<Pending> pendings, AppendResult result) {
    for (Pending p : pendings) {
      p.future.complete(result);
    }
  }

  /** Stops taking appends; queued ones are answered "not owner". Idempotent. */
  @Override
  public void close() {
    finish(State.CLOSED, p -> new AppendResult.NotOwner(null));
  }
}
