package io.fossil.kv.rocksdb;

/**
 * Cumulative figures of one RocksDB store's commit thread, for benchmarks and diagnostics: keys
 * read for preconditions (one multi-get per group), keys it knew present or absent without reading
 * ({@link PresentKeys}), and heads of key families it learned from reverse scans. The four times
 * cover each group from its first read to its last callback: reading the keys that preconditions
 * name, checking them and building the disk batch, the synced write, and completing the callers'
 * futures (their callbacks run on the commit thread); a step that fails is counted where it failed.
 * Taking a group off the queue is not included. A snapshot reads each figure on its own, so one
 * taken while a group is under way may be off by that group; a caller whose write has completed
 * sees its own group in every figure but the last, which is added once the group's callbacks have
 * run.
 */
public record CommitterStats(
    long groups,
    long batchesCommitted,
    long diskWrites,
    long keysRead,
    long keysKnownPresent,
    long keysKnownAbsent,
    long headsLearned,
    long readNanos,
    long checkNanos,
    long writeNanos,
    long completeNanos) {

  /** What happened between {@code earlier} and this snapshot. */
  public CommitterStats since(CommitterStats earlier) {
    return new CommitterStats(
        groups - earlier.groups,
        batchesCommitted - earlier.batchesCommitted,
        diskWrites - earlier.diskWrites,
        keysRead - earlier.keysRead,
        keysKnownPresent - earlier.keysKnownPresent,
        keysKnownAbsent - earlier.keysKnownAbsent,
        headsLearned - earlier.headsLearned,
        readNanos - earlier.readNanos,
        checkNanos - earlier.checkNanos,
        writeNanos - earlier.writeNanos,
        completeNanos - earlier.completeNanos);
  }
}
