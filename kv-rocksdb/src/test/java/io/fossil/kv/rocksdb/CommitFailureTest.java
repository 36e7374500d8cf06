package io.fossil.kv.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * A synced write that fails leaves the commit thread not knowing what reached the disk: the group
 * hears "unknown", and the table of keys known present must not vouch for anything the group put.
 * The failures are injected around RocksDB's real write; everything else is the real store.
 */
class CommitFailureTest {

  @TempDir Path dir;

  @Test
  void aWriteThatFailsBeforeTheDiskLeavesNothingTheTableVouchesFor() throws Exception {
    try (RocksDbKvStore store = RocksDbKvStore.open(dir)) {
      assertThat(commit(store, event(0))).isInstanceOf(WriteOutcome.Committed.class);
      assertThat(commitThrough(store, CommitFailureTest::failWithoutWriting, event(1)))
          .isInstanceOf(WriteOutcome.Unknown.class);

      assertThat(store.get(key(1)).get(30, TimeUnit.SECONDS)).isEmpty();
      assertThat(commit(store, event(2)))
          .as("position 1 never reached the disk: appending 2 after it would leave a hole")
          .isInstanceOf(WriteOutcome.PreconditionFailed.class);
      assertThat(commit(store, event(1)))
          .as("position 1 is still free")
          .isInstanceOf(WriteOutcome.Committed.class);
      assertThat(commit(store, event(2))).isInstanceOf(WriteOutcome.Committed.class);
    }
  }

  @Test
  void aWriteThatFailsAfterTheDiskIsFoundByItsRetry() throws Exception {
    try (RocksDbKvStore store = RocksDbKvStore.open(dir)) {
      assertThat(commit(store, event(0))).isInstanceOf(WriteOutcome.Committed.class);
      assertThat(commitThrough(store, CommitFailureTest::writeThenFail, event(1)))
          .isInstanceOf(WriteOutcome.Unknown.class);

      // The retry of the identical batch: its "absent" precondition fails on its own bytes.
      assertThat(commit(store, event(1))).isInstanceOf(WriteOutcome.PreconditionFailed.class);
      Optional<byte[]> stored = store.get(key(1)).get(30, TimeUnit.SECONDS);
      assertThat(stored).hasValueSatisfying(v -> assertThat(v).isEqualTo(value(1)));
      assertThat(commit(store, event(2))).isInstanceOf(WriteOutcome.Committed.class);
    }
  }

  /** Position {@code p} of one stream: absent before, {@code p - 1} present (as appends write). */
  private static WriteBatch event(int p) {
    WriteBatch.Builder batch = WriteBatch.builder().requireAbsent(key(p));
    if (p > 0) {
      batch.requirePresent(key(p - 1));
    }
    return batch.put(key(p), value(p)).build();
  }

  private static byte[] key(int p) {
    return TupleKey.of("stream", p);
  }

  private static byte[] value(int p) {
    return TupleKey.of("event", p);
  }

  private static void failWithoutWriting(
      RocksDB db, org.rocksdb.WriteOptions options, org.rocksdb.WriteBatch group)
      throws RocksDBException {
    throw new RocksDBException("injected: the log could not be written");
  }

  private static void writeThenFail(
      RocksDB db, org.rocksdb.WriteOptions options, org.rocksdb.WriteBatch group)
      throws RocksDBException {
    db.write(options, group);
    throw new RocksDBException("injected: written, then the sync reported an error");
  }

  /** Commits {@code batch} with the disk write replaced by {@code fault}, then restores it. */
  private static WriteOutcome commitThrough(
      RocksDbKvStore store, GroupCommitter.DiskWrite fault, WriteBatch batch) throws Exception {
    store.committer().injectDiskWrite(fault);
    try {
      return commit(store, batch);
    } finally {
      store.committer().injectDiskWrite(RocksDB::write);
    }
  }

  private static WriteOutcome commit(RocksDbKvStore store, WriteBatch batch) throws Exception {
    return store.write(batch).get(30, TimeUnit.SECONDS);
  }
}
