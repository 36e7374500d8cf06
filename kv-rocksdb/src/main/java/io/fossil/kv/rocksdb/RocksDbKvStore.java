package io.fossil.kv.rocksdb;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.KvClosedException;
import io.fossil.kv.KvException;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.ScanPage;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/**
 * The embedded default backend: RocksDB in this process (ADR 0004). A write is acknowledged only
 * after its batch is in the write-ahead log and the log is synced to disk. Concurrent writes are
 * group-committed by one committer thread per database; their futures complete on that thread.
 * Reads run on the caller's thread and may block on disk I/O.
 *
 * <p>Handles opened on the same directory in one JVM share one database, so several in-process
 * nodes can share a store; a second process cannot open it (open fails with a {@link KvException}
 * that says so).
 */
public final class RocksDbKvStore implements KvStore {

  /**
   * RocksDB has no hard batch limits of its own; these keep one batch from monopolizing the
   * committer or memory.
   */
  public static final KvLimits LIMITS = new KvLimits(100_000, 64L << 20, 64 << 10, 16 << 20);

  private final SharedRocksDb shared;
  private volatile boolean closed;

  private RocksDbKvStore(SharedRocksDb shared) {
    this.shared = shared;
  }

  /** Opens (creating if needed) the store in {@code directory}. */
  public static RocksDbKvStore open(Path directory) {
    return open(directory, RocksDbOptions.DEFAULTS);
  }

  /**
   * Opens the store in {@code directory} with {@code options}; a database this process already has
   * open keeps the options it was opened with.
   */
  public static RocksDbKvStore open(Path directory, RocksDbOptions options) {
    return new RocksDbKvStore(SharedRocksDb.acquire(directory, options));
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(byte[] key) {
    if (closed || !shared.beginRead()) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    try {
      return CompletableFuture.completedFuture(Optional.ofNullable(shared.db().get(key)));
    } catch (RocksDBException e) {
      return CompletableFuture.failedFuture(new KvException("rocksdb read failed", e));
    } finally {
      shared.endRead();
    }
  }

  @Override
  public CompletableFuture<ScanPage> scan(KeyRange range, int limit, boolean reverse) {
    if (limit < 1) {
      throw new IllegalArgumentException("scan limit must be at least 1, was " + limit);
    }
    if (closed || !shared.beginRead()) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    List<KeyValue> out = new ArrayList<>(Math.min(limit, 1024));
    boolean more;
    // Read before the iterator is created, which sees at least every write up to it.
    long seenAt = reverse ? shared.db().getLatestSequenceNumber() : 0;
    try (ReadOptions options = new ReadOptions();
        Slice lower = new Slice(range.start());
        Slice upper = range.end() == null ? null : new Slice(range.end())) {
      options.setIterateLowerBound(lower);
      if (upper != null) {
        options.setIterateUpperBound(upper);
      }
      try (RocksIterator it = shared.db().newIterator(options)) {
        if (reverse) {
          it.seekToLast();
        } else {
          it.seekToFirst();
        }
        while (it.isValid() && out.size() < limit) {
          out.add(new KeyValue(it.key(), it.value()));
          if (reverse) {
            it.prev();
          } else {
            it.next();
          }
        }
        more = it.isValid();
        it.status();
      }
    } catch (RocksDBException e) {
      return CompletableFuture.failedFuture(new KvException("rocksdb scan failed", e));
    } finally {
      shared.endRead();
    }
    if (reverse) {
      offerHead(range, out, seenAt);
    }
    return CompletableFuture.completedFuture(ScanPage.of(range, out, reverse, more));
  }

  /**
   * Tells the commit thread what a reverse scan showed about a family of keys (ADR 0004): its first
   * key is the highest of the range, hence of its family if the range holds the whole family; a
   * range that holds nothing, starting at the lowest key of a family it holds whole, shows that
   * family empty. A stream's head read is such a scan.
   */
  private void offerHead(KeyRange range, List<KeyValue> found, long seenAt) {
    if (found.isEmpty()) {
      if (PresentKeys.isLowestOfFamily(range.start())
          && PresentKeys.holdsFamily(range, range.start())) {
        shared.committer().offerHead(range.start(), false, seenAt);
      }
    } else if (PresentKeys.holdsFamily(range, found.get(0).key())) {
      shared.committer().offerHead(found.get(0).key(), true, seenAt);
    }
  }

  @Override
  public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
    LIMITS.check(batch);
    if (closed) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    return shared.committer().submit(batch);
  }

  /** The database's only writer (tests inject disk faults through it). */
  GroupCommitter committer() {
    return shared.committer();
  }

  /** The options the database was opened with (the first handle's, if several share it). */
  public RocksDbOptions options() {
    return shared.options();
  }

  @Override
  public KvLimits limits() {
    return LIMITS;
  }

  /**
   * RocksDB's perf-context totals for the commit thread since the database opened, by name; empty
   * unless the JVM runs with {@code -Dfossil.rocksdb.perf=true}.
   */
  public Map<String, Long> commitThreadPerf() {
    return shared.committer().perfTotals();
  }

  /**
   * What the commit thread did since the database opened (batches committed, synced disk writes:
   * fewer than batches when group commit works, keys read) and where its time went.
   */
  public CommitterStats committerStats() {
    return shared.committer().stats();
  }

  /**
   * A RocksDB property of the database ({@code rocksdb.stats}, {@code
   * rocksdb.num-running-compactions}, ...), for benchmarks and diagnostics; empty if closed or
   * unknown.
   */
  public Optional<String> property(String name) {
    if (closed || !shared.beginRead()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(shared.db().getProperty(name));
    } catch (RocksDBException e) {
      return Optional.empty();
    } finally {
      shared.endRead();
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      shared.release();
    }
  }
}
