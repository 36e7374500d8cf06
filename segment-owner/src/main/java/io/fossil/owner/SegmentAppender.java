package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.position.SegmentId;
import io.fossil.storage.Keyspace;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The single writer of one segment (ADR 0011, 0012). It assigns stream positions and segment
 * counters in memory and group-commits queued appends into one conditional batch write at a time,
 * so counters are dense and become visible in order.
 *
 * <p>Every batch carries the preconditions "segment not sealed", "its first event key absent",
 * "each index key absent" and, for a stream's first event in the batch at position p &gt; 0, "p-1
 * present": storage, not the lease, fences a stale owner, and no committed event is overwritten.
 * {@link #start()} first seals every unsealed ancestor in the store (fence, then read the final
 * counter, then record it), before any stream head is read.
 *
 * <p>This class holds the queue and the lifecycle; {@code SegmentStartup} takes the segment and a
 * {@code BatchCommitter} writes each batch, under this appender's monitor where they touch shared
 * state.
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
  private final LongSupplier nanoTime;
  private final byte[] sealKey;
  private final BatchCommitter committer;

  // Guarded by this.
  private State state = State.NEW;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean inFlight;
  private volatile long leaseDeadlineNanos;

  /** An append waiting in the queue or being written. */
  static final class Pending {
    final AppendRequest request;
    final CompletableFuture<AppendResult> future = new CompletableFuture<>();

    /**
     * Per event, its payload hash ({@link PayloadHash}: high at 2i, low at 2i + 1), for events with
     * an id; computed on the caller's thread, not the commit path's.
     */
    final long[] payloadHashes;

    int requeues;

    Pending(AppendRequest request) {
      this.request = request;
      List<ProposedEvent> events = request.events();
      this.payloadHashes = new long[2 * events.size()];
      for (int i = 0; i < events.size(); i++) {
        if (events.get(i).id() != null) {
          long[] h = PayloadHash.of(events.get(i));
          payloadHashes[2 * i] = h[0];
          payloadHashes[2 * i + 1] = h[1];
        }
      }
    }
  }

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
    this.nanoTime = nanoTime;
    this.leaseDeadlineNanos = leaseDeadlineNanos;
    this.sealKey = Keyspace.sealKey(segment.seq());
    this.committer =
        new BatchCommitter(this, store, segment, epoch, config, clock, nanoTime, sealKey);
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
    committer.onBatchCommitted(listener);
  }

  /** Extends the lease (the node calls this after each successful heartbeat). */
  public void renewLease(long deadlineNanos) {
    leaseDeadlineNanos = Math.max(leaseDeadlineNanos, deadlineNanos);
  }

  /**
   * Ends the lease now: placement refused a heartbeat, so every lease of the node is gone and the
   * segment may be given to another node. Queued appends hear "not owner" at once rather than when
   * the local deadline passes, and so do new ones until a later {@link #renewLease}. A batch being
   * written is left to the storage fence.
   */
  public void leaseLost() {
    if (config.unfencedForTesting()) {
      return;
    }
    List<Pending> dropped;
    synchronized (this) {
      leaseDeadlineNanos = nanoTime.getAsLong();
      dropped = new ArrayList<>(queue);
      queue.clear();
    }
    completeAll(dropped, new AppendResult.NotOwner(null));
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
    return SegmentStartup.run(store, segment, epoch, incarnation, ancestors, sealed)
        .thenApply(
            next -> {
              synchronized (this) {
                committer.startAt(next);
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
    // A loop, not recursion: when the store answers at once (the in-memory store, or a batch that
    // writes nothing), calling the next batch from the last one's callback went one level deeper
    // per batch, until a StackOverflowError lost a batch and left inFlight set for ever.
    while (true) {
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
      CompletableFuture<Void> sent;
      try {
        sent = committer.commit(batch);
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      CompletableFuture<Void> settled = sent.handle((r, e) -> settle(batch, e));
      if (!settled.isDone()) {
        settled.thenRun(this::maybeSend);
        return;
      }
    }
  }

  /**
   * Ends a batch's turn. The committer fails its future only for what went wrong before anything
   * was written (a read): nothing committed, so the batch goes back to the queue. What goes wrong
   * after the write the committer answers itself, never by requeueing: a requeued batch that had
   * committed would be written again.
   */
  private Void settle(List<Pending> batch, Throwable beforeWrite) {
    synchronized (this) {
      if (beforeWrite != null) {
        requeue(batch);
      }
      inFlight = false;
    }
    return null;
  }

  /** One append per stream (so a conflict cites committed positions only), within the limits. */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    Set<String> streams = new HashSet<>();
    // Per batch: "segment not sealed" and "the first event key absent".
    int preconditions = 2;
    int mutations = 0;
    long bytes = 2L * sealKey.length + Keyspace.eventKey(segment.seq(), 0).length;
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

  /**
   * Puts a batch back at the head of the queue, in order; the caller holds this monitor. Once the
   * appender has stopped, nothing drains the queue any more: the appends are answered instead.
   */
  void requeue(List<Pending> batch) {
    for (int i = batch.size() - 1; i >= 0; i--) {
      Pending p = batch.get(i);
      if (state == State.SEALED) {
        p.future.complete(new AppendResult.Sealed(segment));
      } else if (state == State.FAILED || state == State.CLOSED) {
        p.future.complete(new AppendResult.NotOwner(null));
      } else if (++p.requeues > MAX_REQUEUES) {
        p.future.complete(new AppendResult.Overloaded(queue.size()));
      } else {
        queue.addFirst(p);
      }
    }
  }

  /** The committer fenced the segment itself (ADR 0012): nothing more can land in it. */
  void selfFenced() {
    synchronized (this) {
      state = State.SEALED;
    }
  }

  /** Completes a batch's appends and everything queued, and stops the appender. */
  void fail(List<Pending> pendings, State end, AppendResult result) {
    // The state first: whoever hears the result finds the appender stopped.
    finish(
        end,
        p ->
            end == State.SEALED
                ? new AppendResult.Sealed(segment)
                : new AppendResult.NotOwner(null));
    completeAll(pendings, result);
  }

  private void finish(State end, Function<Pending, AppendResult> forQueued) {
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
