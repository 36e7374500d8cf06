package io.fossil.kv.mem;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.Keys;
import io.fossil.kv.KvClosedException;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.Mutation;
import io.fossil.kv.Precondition;
import io.fossil.kv.ScanPage;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory reference backend: the simplest store that keeps every {@link KvStore} promise, so
 * unit tests of higher layers run fast against real semantics. Not durable.
 *
 * <p>Every operation completes before it returns (on the caller's thread). A read-write lock makes
 * each batch atomic with respect to scans. Handles opened with the same name share one {@link Data}
 * while any of them is open.
 */
public final class MemKvStore implements KvStore {

  /** Generous limits; tests that want a backend's tighter ones pass them in the URI. */
  public static final KvLimits DEFAULT_LIMITS =
      new KvLimits(100_000, 64L << 20, 64 << 10, 16 << 20);

  private final Data data;
  private final KvLimits limits;
  private final Runnable onClose;
  private volatile boolean closed;

  MemKvStore(Data data, KvLimits limits, Runnable onClose) {
    this.data = data;
    this.limits = limits;
    this.onClose = onClose;
  }

  /** A private store that nothing else shares. */
  public static MemKvStore create() {
    return new MemKvStore(new Data(), DEFAULT_LIMITS, () -> {});
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(byte[] key) {
    if (closed) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    data.lock.readLock().lock();
    try {
      return CompletableFuture.completedFuture(Optional.ofNullable(data.map.get(key)));
    } finally {
      data.lock.readLock().unlock();
    }
  }

  @Override
  public CompletableFuture<ScanPage> scan(KeyRange range, int limit, boolean reverse) {
    if (limit < 1) {
      throw new IllegalArgumentException("scan limit must be at least 1, was " + limit);
    }
    if (closed) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    List<KeyValue> out = new ArrayList<>(Math.min(limit, 1024));
    boolean more;
    data.lock.readLock().lock();
    try {
      NavigableMap<byte[], byte[]> sub =
          range.end() == null
              ? data.map.tailMap(range.start(), true)
              : data.map.subMap(range.start(), true, range.end(), false);
      Iterator<Map.Entry<byte[], byte[]>> it =
          (reverse ? sub.descendingMap() : sub).entrySet().iterator();
      while (it.hasNext() && out.size() < limit) {
        Map.Entry<byte[], byte[]> e = it.next();
        out.add(new KeyValue(e.getKey(), e.getValue()));
      }
      more = it.hasNext();
    } finally {
      data.lock.readLock().unlock();
    }
    return CompletableFuture.completedFuture(ScanPage.of(range, out, reverse, more));
  }

  @Override
  public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
    limits.check(batch);
    if (closed) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    data.lock.writeLock().lock();
    try {
      List<byte[]> failed = new ArrayList<>();
      for (Precondition p : batch.preconditions()) {
        if (!p.holds(data.map.get(p.key()))) {
          failed.add(p.key());
        }
      }
      if (!failed.isEmpty()) {
        return CompletableFuture.completedFuture(new WriteOutcome.PreconditionFailed(failed));
      }
      for (Mutation m : batch.mutations()) {
        if (m instanceof Mutation.Put put) {
          data.map.put(put.key(), put.value());
        } else {
          data.map.remove(m.key());
        }
      }
      return CompletableFuture.completedFuture(WriteOutcome.COMMITTED);
    } finally {
      data.lock.writeLock().unlock();
    }
  }

  @Override
  public KvLimits limits() {
    return limits;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      onClose.run();
    }
  }

  /** The contents one or more handles share. */
  static final class Data {
    final NavigableMap<byte[], byte[]> map = new TreeMap<>(Keys::compare);
    final ReadWriteLock lock = new ReentrantReadWriteLock();
    int handles;
  }
}
