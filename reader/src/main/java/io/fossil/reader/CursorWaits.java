package io.fossil.reader;

import io.fossil.kv.KvStore;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.reader.ConsumerCursors.WaitResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waits of {@link ConsumerCursors#await}: each completes when the consumer's cursor contains
 * its position (offered by a write on this node, or by a poll of the store while someone waits), or
 * at its deadline. Thread-safe; the one scheduler thread runs deadlines and polls.
 */
final class CursorWaits {

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerCursors.class);

  private final KvStore store;

  /** A stored cursor's value, decoded and translated. */
  private final Function<Optional<byte[]>, Optional<Cursor>> translated;

  private final UnaryOperator<GlobalPosition> translatePosition;
  private final Duration pollInterval;
  private final ScheduledExecutorService scheduler;
  private final Map<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();
  private ScheduledFuture<?> poll; // guarded by this
  private boolean polling; // guarded by this
  private boolean closed; // guarded by this

  CursorWaits(
      KvStore store,
      Function<Optional<byte[]>, Optional<Cursor>> translated,
      UnaryOperator<GlobalPosition> translatePosition,
      Duration pollInterval) {
    this.store = store;
    this.translated = translated;
    this.translatePosition = translatePosition;
    this.pollInterval = pollInterval;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fossil-consumer-cursors");
              t.setDaemon(true);
              return t;
            });
  }

  /** See {@link ConsumerCursors#await}: the name is checked, the timeout not negative. */
  CompletableFuture<WaitResult> await(String name, GlobalPosition position, Duration timeout) {
    if (timeout.isZero()) {
      return store
          .get(key(name))
          .thenApply(translated)
          .thenApply(c -> new WaitResult(contains(c, position), c));
    }
    Waiter waiter = new Waiter(name, position);
    // Registered before the first read, so a put in between wakes it.
    if (!register(waiter)) {
      waiter.result.completeExceptionally(new IllegalStateException("consumer cursors closed"));
      return waiter.result;
    }
    waiter.result.whenComplete((r, e) -> unregister(waiter));
    try {
      waiter.deadline = scheduler.schedule(waiter::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      waiter.result.completeExceptionally(new IllegalStateException("consumer cursors closed"));
      return waiter.result;
    }
    if (waiter.result.isDone()) {
      waiter.deadline.cancel(false); // woken before its deadline was set
    }
    store
        .get(key(name))
        .whenComplete(
            (value, error) -> {
              if (error != null) {
                waiter.result.completeExceptionally(error);
              } else {
                try {
                  waiter.offer(translated(value));
                } catch (RuntimeException e) {
                  waiter.result.completeExceptionally(e);
                }
              }
            });
    return waiter.result;
  }

  /**
   * Waits in progress on this node. A wait that has its answer no longer counts, even in the
   * instant before it is unregistered (which happens just after its caller hears back).
   */
  int waiting() {
    return (int)
        waiters.values().stream().flatMap(Set::stream).filter(w -> !w.result.isDone()).count();
  }

  private boolean contains(Optional<Cursor> cursor, GlobalPosition position) {
    return cursor.isPresent() && cursor.get().contains(translatePosition.apply(position));
  }

  private synchronized boolean register(Waiter waiter) {
    if (closed) {
      return false;
    }
    waiters
        .computeIfAbsent(waiter.name, n -> new CopyOnWriteArraySet<>())
        .add(waiter); // under this lock, so unregister cannot drop the set in between
    if (poll == null) {
      long every = pollInterval.toNanos();
      poll = scheduler.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.NANOSECONDS);
    }
    return true;
  }

  private synchronized void unregister(Waiter waiter) {
    Set<Waiter> set = waiters.get(waiter.name);
    if (set != null) {
      set.remove(waiter);
      if (set.isEmpty()) {
        waiters.remove(waiter.name);
      }
    }
    if (waiter.deadline != null) {
      waiter.deadline.cancel(false);
    }
    if (waiters.isEmpty() && poll != null) {
      poll.cancel(false);
      poll = null;
    }
  }

  /** Offers the consumer's current cursor (translated) to its waiters on this node. */
  void wake(String name, Optional<Cursor> cursor) {
    Set<Waiter> set = waiters.get(name);
    if (set != null) {
      set.forEach(w -> w.offer(cursor));
    }
  }

  /** Reads the cursor of every awaited consumer once; one poll at a time. */
  private void poll() {
    synchronized (this) {
      if (polling) {
        return;
      }
      polling = true;
    }
    List<CompletableFuture<?>> reads = new ArrayList<>();
    try {
      for (String name : waiters.keySet()) {
        reads.add(store.get(key(name)).thenAccept(value -> wake(name, translated(value))));
      }
    } catch (RuntimeException e) {
      reads.add(CompletableFuture.failedFuture(e));
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .whenComplete(
            (x, e) -> {
              if (e != null) {
                LOG.debug("polling consumer cursors failed; trying again: {}", e.toString());
              }
              synchronized (this) {
                polling = false;
              }
            });
  }

  /** One wait: completed by the first cursor that contains the position, or by its deadline. */
  private final class Waiter {
    final String name;
    final GlobalPosition position;
    final CompletableFuture<WaitResult> result = new CompletableFuture<>();
    volatile Optional<Cursor> seen; // null until the store answered once
    volatile boolean expired;
    volatile ScheduledFuture<?> deadline;

    Waiter(String name, GlobalPosition position) {
      this.name = name;
      this.position = position;
    }

    void offer(Optional<Cursor> cursor) {
      seen = cursor;
      if (contains(cursor, position)) {
        result.complete(new WaitResult(true, cursor));
      } else if (expired) {
        // The first read came back after the timeout, within the grace (see expire).
        result.complete(new WaitResult(false, cursor));
      }
    }

    void expire() {
      // Set before reading seen, as offer sets seen before reading this: one of them completes.
      expired = true;
      Optional<Cursor> last = seen;
      if (last != null) {
        result.complete(new WaitResult(false, last));
        return;
      }
      try {
        deadline =
            scheduler.schedule(
                this::giveUp, ConsumerCursors.FIRST_READ_GRACE.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        giveUp();
      }
    }

    private void giveUp() {
      Optional<Cursor> last = seen;
      if (last == null) {
        result.completeExceptionally(
            new TimeoutException("the store did not answer within the wait's timeout"));
      } else {
        result.complete(new WaitResult(false, last));
      }
    }
  }

  private static byte[] key(String name) {
    return ConsumerCursors.key(name);
  }

  private Optional<Cursor> translated(Optional<byte[]> value) {
    return translated.apply(value);
  }

  /** Stops polling and fails the waits in progress. Idempotent. */
  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    scheduler.shutdownNow();
    IllegalStateException closing = new IllegalStateException("consumer cursors closed");
    waiters.values().forEach(set -> set.forEach(w -> w.result.completeExceptionally(closing)));
  }
}
