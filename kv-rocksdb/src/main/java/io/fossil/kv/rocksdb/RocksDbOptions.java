package io.fossil.kv.rocksdb;

/**
 * How much memory an embedded store gives to what appends read: the block cache, and the table of
 * keys known present ({@link PresentKeys}; 0 turns it off); and to what they write: each memtable
 * (RocksDB's write buffer). Set by the store URI ({@code
 * ?blockCache=1g&presentKeys=256m&writeBuffer=64m}); a database this process already has open keeps
 * the options it was opened with.
 */
public record RocksDbOptions(long blockCacheBytes, long presentKeyBytes, long writeBufferBytes) {

  /**
   * 256 MiB of block cache: RocksDB's 8 MiB default halved append throughput at a million streams
   * ("previous position present" is a real point read). 128 MiB of keys known present: two million
   * slots, which keep 97% of a million streams' newest positions (64 MiB kept 82%); appends to a
   * million streams ran 11% faster with the first table, and 9% faster again with this one (ADR
   * 0004, docs/benchmarks.md). 64 MiB memtables, RocksDB's default: 32 MiB made appends to a
   * million streams about 6% faster, but raised the p99 and took about 1.8 times the compaction CPU
   * on a young store (ADR 0004).
   */
  public static final RocksDbOptions DEFAULTS =
      new RocksDbOptions(256L << 20, 128L << 20, 64L << 20);

  /** The largest table of keys known present: 1 GiB. */
  static final long MAX_PRESENT_KEY_BYTES = 1L << 30;

  /** The largest memtable: 1 GiB (RocksDB keeps two, one being flushed). */
  static final long MAX_WRITE_BUFFER_BYTES = 1L << 30;

  public RocksDbOptions {
    if (blockCacheBytes < 1 << 20) {
      throw new IllegalArgumentException(
          "the block cache needs at least 1 MiB, not " + blockCacheBytes + " bytes");
    }
    if (presentKeyBytes < 0 || presentKeyBytes > MAX_PRESENT_KEY_BYTES) {
      throw new IllegalArgumentException(
          "the table of keys known present takes 0 (off) to 1 GiB, not "
              + presentKeyBytes
              + " bytes");
    }
    if (writeBufferBytes < 1 << 20 || writeBufferBytes > MAX_WRITE_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "a write buffer takes 1 MiB to 1 GiB, not " + writeBufferBytes + " bytes");
    }
  }

  /** A copy with {@code bytes} for the keys known present. */
  public RocksDbOptions withPresentKeyBytes(long bytes) {
    return new RocksDbOptions(blockCacheBytes, bytes, writeBufferBytes);
  }
}
