package io.fossil.kv.rocksdb;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.rocksdb.PerfContext;
import org.rocksdb.PerfLevel;
import org.rocksdb.RocksDB;

/**
 * RocksDB's own per-thread timings (its perf context) for the commit thread: where a precondition
 * read or a write spends its time inside RocksDB (memtable, SST files, Bloom filters, searches
 * inside blocks, block reads, WAL, memtable insert). Off unless the JVM runs with {@code
 * -Dfossil.rocksdb.perf=true}: measuring costs a clock read per step inside RocksDB. For benchmarks
 * and diagnostics.
 */
final class CommitThreadPerf {

  static final boolean ENABLED = Boolean.getBoolean("fossil.rocksdb.perf");

  private record Counter(String name, ToLongFunction<PerfContext> read) {}

  private static final List<Counter> COUNTERS =
      List.of(
          new Counter("get from memtable ns", PerfContext::getFromMemtableTime),
          new Counter("get from SST files ns", PerfContext::getFromOutputFilesTime),
          new Counter("block iterator ns", PerfContext::getNewTableBlockIterNanos),
          new Counter("block seek ns", PerfContext::getBlockSeekNanos),
          new Counter("key comparisons", PerfContext::getUserKeyComparisonCount),
          new Counter("Bloom filter SST misses", PerfContext::getBloomSstMissCount),
          new Counter("Bloom filter SST hits", PerfContext::getBloomSstHitCount),
          new Counter("block cache hits", PerfContext::getBlockCacheHitCount),
          new Counter("block reads", PerfContext::getBlockReadCount),
          new Counter("block read ns", PerfContext::getBlockReadTime),
          new Counter("filter block reads", PerfContext::getFilterBlockReadCount),
          new Counter("filter block read ns", PerfContext::getReadFilterBlockNanos),
          new Counter("block checksum ns", PerfContext::getBlockChecksumTime),
          new Counter("WAL write ns", PerfContext::getWriteWalTime),
          new Counter("memtable insert ns", PerfContext::getWriteMemtableTime));

  private final long[] totals = new long[COUNTERS.size()];
  private PerfContext context;

  /**
   * Starts measuring on the calling thread (the commit thread). A diagnostic never stops that
   * thread: if RocksDB refuses, measuring is off and the totals stay empty.
   */
  void start(RocksDB db) {
    try {
      db.setPerfLevel(PerfLevel.ENABLE_TIME_EXCEPT_FOR_MUTEX);
      context = db.getPerfContext();
    } catch (RuntimeException e) {
      context = null;
    }
  }

  /** Adds what the calling thread did since the last call, and starts counting again. */
  void accumulate() {
    if (context == null) {
      return;
    }
    long[] now = new long[totals.length];
    try {
      for (int i = 0; i < now.length; i++) {
        now[i] = COUNTERS.get(i).read.applyAsLong(context);
      }
      context.reset();
    } catch (RuntimeException e) {
      context = null; // stop measuring rather than stop the commit thread
      return;
    }
    synchronized (totals) {
      for (int i = 0; i < now.length; i++) {
        totals[i] += now[i];
      }
    }
  }

  /** The totals so far, by name, in a stable order. */
  Map<String, Long> totals() {
    Map<String, Long> copy = new LinkedHashMap<>();
    synchronized (totals) {
      for (int i = 0; i < totals.length; i++) {
        copy.put(COUNTERS.get(i).name, totals[i]);
      }
    }
    return copy;
  }
}
