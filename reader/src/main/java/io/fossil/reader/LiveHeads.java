package io.fossil.reader;

import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.position.SegmentId;
import io.fossil.storage.Keyspace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells live readers on this node that a segment has new events, so each of them reads only when
 * there is something to read. One shared watcher per node, however many readers: segments this node
 * owns report their commits directly ({@link #committed}); the others are polled, one cheap head
 * read per open segment per interval, and only while someone listens. A new placement view wakes
 * every reader (segments were sealed or created). Thread-safe.
 */
public final class LiveHeads implements AutoCloseable {

  /** A listener's handle; closing it stops the notifications. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  private final KvStore store;
  private final Supplier<PlacementView> view;
  private final Duration interval;
  private final ScheduledExecutorService poller;
  private final Map<Long, Long> heads = new ConcurrentHashMap<>();
  private final CopyOnWriteArraySet<Consumer<SegmentId>> listeners = new CopyOnWriteArraySet<>();
  private final Predicate<SegmentId> writtenHere;
  private static final Logger LOG = LoggerFactory.getLogger(LiveHeads.class);
  private static final int ANCESTOR_DEPTH = 4;

  private volatile long seenVersion = -1;
  private volatile long seenShape = Long.MIN_VALUE;
  private volatile List<SegmentId> watched = List.of();
  private ScheduledFuture<?> task;
  private boolean polling; // a poll is running; guarded by this

  /**
   * @param writtenHere whether this node's appender for a segment reports to {@link #committed}
   * @param interval how often other segments are polled while someone listens
   */
  public LiveHeads(
      KvStore store,
      Supplier<PlacementView> view,
      Predicate<SegmentId> writtenHere,
      Duration interval) {
    this.store = store;
    this.view = view;
    this.writtenHere = writtenHere;
    this.interval = interval;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fossil-live-heads");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Calls {@code listener} with a segment that has new events, or with null when placement changed;
   * from any thread, never blocking.
   */
  public synchronized Subscription subscribe(Consumer<SegmentId> listener) {
    listeners.add(listener);
    if (task == null) {
      task = poller.scheduleWithFixedDelay(this::poll, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }
    return () -> unsubscribe(listener);
  }

  private synchronized void unsubscribe(Consumer<SegmentId> listener) {
    listeners.remove(listener);
    if (listeners.isEmpty() && task != null) {
      task.cancel(false);
      task = null;
    }
  }

  /** Live readers listening now. */
  public int listeners() {
    return listeners.size();
  }

  /** This node committed a batch to {@code segment}: tell the readers at once. */
  public void committed(SegmentId segment) {
    if (!listeners.isEmpty()) {
      notify(segment);
    }
  }

  private void notify(SegmentId segment) {
    for (Consumer<SegmentId> l : listeners) {
      l.accept(segment);
    }
  }

  private void poll() {
    synchronized (this) {
      if (polling) {
        return;
      }
      polling = true;
    }
    CompletableFuture<Void> reads;
    try {
      reads = pollOnce();
    } catch (RuntimeException e) {
      LOG.warn("live tail poll failed; trying again next interval", e);
      reads = CompletableFuture.completedFuture(null);
    }
    reads.whenComplete(
        (x, e) -> {
          synchronized (this) {
            polling = false;
          }
        });
  }

  private CompletableFuture<Void> pollOnce() {
    PlacementView v = view.get();
    if (v.version() != seenVersion) {
      seenVersion = v.version();
      long shape = shape(v);
      if (shape != seenShape) {
        // Segments were created or sealed, or final counters learnt: wake everyone.
        seenShape = shape;
        watched = watched(v);
        Set<Long> seqs = new java.util.HashSet<>();
        watched.forEach(id -> seqs.add(id.seq()));
        heads.keySet().retainAll(seqs); // forget segments no longer watched
        notify(null);
      }
    }
    List<CompletableFuture<?>> reads = new ArrayList<>();
    for (SegmentId id : watched) {
      if (writtenHere.test(id)) {
        continue;
      }
      reads.add(
          store
              .scan(Keyspace.eventRange(id.seq()), 1, true)
              .thenAccept(
                  page -> {
                    long head =
                        page.entries().isEmpty()
                            ? -1
                            : Keyspace.counterOfEventKey(page.entries().get(0).key());
                    Long before = heads.put(id.seq(), head);
                    if (before == null || before != head) {
                      notify(id);
                    }
                  }));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
  }

  /**
   * Changes when segments are created or sealed or a final counter is learnt; not on heartbeats.
   */
  private static long shape(PlacementView v) {
    long h = v.nextSeq();
    for (Segment s : v.segments()) {
      h = 31 * h + (s.isOpen() ? 1 : 2) + 7 * s.finalCounter();
    }
    return h;
  }

  /**
   * The open segments, and their ancestors whose final counter placement does not know yet (up to a
   * few generations back): an ancestor takes commits from its old owner until a successor seals it
   * in storage.
   */
  private static List<SegmentId> watched(PlacementView v) {
    Set<SegmentId> out = new LinkedHashSet<>();
    for (Segment s : v.segments()) {
      if (s.isOpen()) {
        out.add(s.id());
        addUnsealedAncestors(s, v, out, ANCESTOR_DEPTH);
      }
    }
    return List.copyOf(out);
  }

  private static void addUnsealedAncestors(
      Segment s, PlacementView v, Set<SegmentId> out, int depth) {
    if (depth == 0) {
      return;
    }
    for (SegmentId p : s.predecessors()) {
      Segment pred = v.segmentAt(p.seq()).orElse(null);
      if (pred != null && !pred.finalKnown() && out.add(p)) {
        addUnsealedAncestors(pred, v, out, depth - 1);
      }
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    listeners.clear();
  }
}
