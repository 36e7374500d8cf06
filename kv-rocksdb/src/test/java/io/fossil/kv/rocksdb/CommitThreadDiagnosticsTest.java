package io.fossil.kv.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KeyRange;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.PerfLevel;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

class CommitThreadDiagnosticsTest {

  @TempDir Path dir;

  @Test
  void committerStatsCountTheGroupsTheKeysReadAndTheWrites() throws Exception {
    try (RocksDbKvStore store = RocksDbKvStore.open(dir)) {
      CommitterStats before = store.committerStats();
      for (int i = 0; i < 10; i++) {
        WriteBatch.Builder batch = WriteBatch.builder().requireAbsent(TupleKey.of("k", i));
        if (i > 0) {
          batch.requirePresent(TupleKey.of("k", i - 1));
        }
        // One at a time: each batch is a group of its own.
        assertThat(commit(store, batch.put(TupleKey.of("k", i), TupleKey.of(i)).build()))
            .isInstanceOf(WriteOutcome.Committed.class);
      }
      WriteBatch refused =
          WriteBatch.builder()
              .requireAbsent(TupleKey.of("k", 0))
              .put(TupleKey.of("k", 0), TupleKey.of(-1))
              .build();
      assertThat(commit(store, refused)).isInstanceOf(WriteOutcome.PreconditionFailed.class);

      CommitterStats done = store.committerStats().since(before);
      assertThat(done.groups()).isEqualTo(11);
      assertThat(done.batchesCommitted()).isEqualTo(10);
      assertThat(done.diskWrites()).as("a group that commits nothing writes nothing").isEqualTo(10);
      assertThat(done.keysKnownPresent())
          .as("each batch's previous key, which the commit thread itself wrote")
          .isEqualTo(9);
      assertThat(done.keysKnownAbsent()).as("no head was read").isZero();
      assertThat(done.keysRead()).as("the absent keys only").isEqualTo(1 + 9 + 1);

      // A head read (a reverse scan of the family) teaches the table that nothing lies above.
      store.scan(KeyRange.prefix(TupleKey.of("k")), 1, true).get(30, TimeUnit.SECONDS);
      CommitterStats headRead = store.committerStats();
      for (int i = 10; i < 15; i++) {
        WriteBatch batch =
            WriteBatch.builder()
                .requireAbsent(TupleKey.of("k", i))
                .requirePresent(TupleKey.of("k", i - 1))
                .put(TupleKey.of("k", i), TupleKey.of(i))
                .build();
        assertThat(commit(store, batch)).isInstanceOf(WriteOutcome.Committed.class);
      }
      CommitterStats learned = store.committerStats().since(headRead);
      assertThat(learned.headsLearned()).isEqualTo(1);
      assertThat(learned.keysKnownAbsent()).isEqualTo(5);
      assertThat(learned.keysKnownPresent()).isEqualTo(5);
      assertThat(learned.keysRead()).isZero();
      assertThat(done.readNanos()).isPositive();
      assertThat(done.checkNanos()).isPositive();
      assertThat(done.writeNanos()).isPositive();
      assertThat(store.commitThreadPerf().isEmpty())
          .as("RocksDB's perf context is collected only with -Dfossil.rocksdb.perf=true")
          .isEqualTo(!CommitThreadPerf.ENABLED);
    }
  }

  @Test
  void onlyKeysPutUnderAnAbsentConditionAreRememberedPresent() throws Exception {
    try (RocksDbKvStore store = RocksDbKvStore.open(dir)) {
      WriteBatch both =
          WriteBatch.builder()
              .requireAbsent(TupleKey.of("next", 0))
              .put(TupleKey.of("next", 0), TupleKey.of(0))
              .put(TupleKey.of("record", 0), TupleKey.of(0))
              .build();
      assertThat(commit(store, both)).isInstanceOf(WriteOutcome.Committed.class);
      CommitterStats before = store.committerStats();
      WriteBatch requiresBoth =
          WriteBatch.builder()
              .requirePresent(TupleKey.of("next", 0))
              .requirePresent(TupleKey.of("record", 0))
              .build();
      assertThat(commit(store, requiresBoth)).isInstanceOf(WriteOutcome.Committed.class);
      CommitterStats after = store.committerStats().since(before);
      assertThat(after.keysKnownPresent()).as("the key put under an absent condition").isEqualTo(1);
      assertThat(after.keysRead()).as("the key put without one takes no slot").isEqualTo(1);
    }
  }

  @Test
  void perfContextTimesTheWalTheMemtableAndTheSstLookupsOfItsThread() throws Exception {
    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions sync = new WriteOptions().setSync(true);
        FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      CommitThreadPerf perf = new CommitThreadPerf();
      perf.start(db);
      byte[] key = TupleKey.of("k", 1);
      try {
        db.put(sync, key, TupleKey.of(1));
        db.flush(flush);
        assertThat(db.get(key)).isEqualTo(TupleKey.of(1));
        assertThat(db.get(TupleKey.of("k", 2))).isNull();
        perf.accumulate();
      } finally {
        db.setPerfLevel(PerfLevel.DISABLE); // this thread runs other tests too
      }

      Map<String, Long> totals = perf.totals();
      assertThat(totals.get("WAL write ns")).isPositive();
      assertThat(totals.get("memtable insert ns")).isPositive();
      assertThat(totals.get("get from SST files ns")).isPositive();
      assertThat(totals.get("block reads") + totals.get("block cache hits")).isPositive();

      perf.accumulate();
      assertThat(perf.totals()).as("counting restarts after each accumulate").isEqualTo(totals);
    }
  }

  private static WriteOutcome commit(RocksDbKvStore store, WriteBatch batch) throws Exception {
    return store.write(batch).get(30, TimeUnit.SECONDS);
  }
}
