package io.fossil.kv.rocksdb;

import io.fossil.kv.KvException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.Env;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.Priority;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * One open RocksDB database and its committer, shared by every handle this JVM opens on the same
 * directory (RocksDB allows one opener per directory; `fossil dev` runs several nodes in one
 * process on one store). Reference counted: the database closes with its last handle.
 */
final class SharedRocksDb {

  private static final Map<Path, SharedRocksDb> OPEN = new HashMap<>();

  static {
    RocksDB.loadLibrary();
    // Compactions yield the CPU to appends (nice 19 for RocksDB's low-priority pool, which runs
    // them; flushes keep their priority, so memtables still drain). On a small machine they
    // otherwise take cores from the committer when the store is large; they catch up when appends
    // leave the CPU idle, and write stalls, if debt ever grows that far, show in rocksdb.stats.
    Env.getDefault().lowerThreadPoolCPUPriority(Priority.LOW);
  }

  private final Path path;
  private final RocksDbOptions rocksDbOptions;
  private final Options options;
  private final Cache blockCache;
  private final RocksDB db;
  private final GroupCommitter committer;

  /** Reads hold the read lock so the database cannot close under a native call. */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

  private int handles;
  private boolean closed;

  private SharedRocksDb(
      Path path, RocksDbOptions rocksDbOptions, Options options, Cache blockCache, RocksDB db) {
    this.path = path;
    this.rocksDbOptions = rocksDbOptions;
    this.options = options;
    this.blockCache = blockCache;
    this.db = db;
    this.committer =
        new GroupCommitter(
            db,
            path.getFileName().toString(),
            PresentKeys.ofBytes(rocksDbOptions.presentKeyBytes()));
  }

  /** Opens (or joins) the database in {@code directory}, creating it if needed. */
  static SharedRocksDb acquire(Path directory, RocksDbOptions rocksDbOptions) {
    Path path;
    try {
      Files.createDirectories(directory);
      path = directory.toRealPath();
    } catch (IOException e) {
      throw new KvException("cannot create the store directory " + directory + ": " + e, e);
    }
    synchronized (OPEN) {
      SharedRocksDb shared = OPEN.get(path);
      if (shared == null) {
        shared = open(path, rocksDbOptions);
        OPEN.put(path, shared);
      }
      shared.handles++;
      return shared;
    }
  }

  private static SharedRocksDb open(Path path, RocksDbOptions rocksDbOptions) {
    Cache blockCache = new LRUCache(rocksDbOptions.blockCacheBytes());
    Options options =
        new Options()
            .setCreateIfMissing(true)
            .setWriteBufferSize(rocksDbOptions.writeBufferBytes())
            .setIncreaseParallelism(Math.max(2, Runtime.getRuntime().availableProcessors()))
            .setTableFormatConfig(
                new BlockBasedTableConfig()
                    // Absent-key checks dominate appends; a Bloom filter answers most of them
                    // without touching a data block.
                    .setFilterPolicy(new BloomFilter(10))
                    .setBlockCache(blockCache)
                    // Filter and index blocks stay with their open files, outside the block cache
                    // (RocksDB's default). In the cache, a large file's filter block (a MiB or
                    // more) was evicted by data blocks and read back whole by the next lookup; in
                    // some runs that halved appends at a million streams (ADR 0004). Their memory
                    // grows with the keys stored (rocksdb.estimate-table-readers-mem).
                    .setCacheIndexAndFilterBlocks(false));
    try {
      RocksDB db = RocksDB.open(options, path.toString());
      SharedRocksDb shared = new SharedRocksDb(path, rocksDbOptions, options, blockCache, db);
      shared.committer.start();
      return shared;
    } catch (RocksDBException e) {
      options.close();
      blockCache.close();
      String message = String.valueOf(e.getMessage());
      if (message.contains("lock")) {
        throw new KvException(
            "the embedded store at "
                + path
                + " is in use by another process. rocksdb: is embedded in one process and cannot"
                + " be shared between processes; run a multi-process cluster on etcd:// or fdb:",
            e);
      }
      throw new KvException("cannot open the embedded store at " + path + ": " + message, e);
    }
  }

  RocksDB db() {
    return db;
  }

  RocksDbOptions options() {
    return rocksDbOptions;
  }

  GroupCommitter committer() {
    return committer;
  }

  Path path() {
    return path;
  }

  /** Enters a read; false if the database is closed. Pair with {@link #endRead()}. */
  boolean beginRead() {
    lifecycle.readLock().lock();
    if (closed) {
      lifecycle.readLock().unlock();
      return false;
    }
    return true;
  }

  void endRead() {
    lifecycle.readLock().unlock();
  }

  /** Drops one handle; the last one stops the committer and closes the database. */
  void release() {
    synchronized (OPEN) {
      if (--handles > 0) {
        return;
      }
      OPEN.remove(path);
    }
    try {
      committer.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lifecycle.writeLock().lock();
    try {
      closed = true;
      db.close();
      options.close();
      blockCache.close();
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
