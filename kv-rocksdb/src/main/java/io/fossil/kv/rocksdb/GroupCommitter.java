package io.fossil.kv.rocksdb;

import io.fossil.kv.KvClosedException;
import io.fossil.kv.Mutation;
import io.fossil.kv.Precondition;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * The only writer of one RocksDB instance. RocksDB does not check preconditions, so this thread
 * serializes them: it takes every batch queued since its last disk write, checks each batch's
 * preconditions in arrival order against the database plus the batches already accepted in the same
 * group, and commits all accepted batches with ONE synced write (ADR 0004). Concurrent writers
 * therefore share an fsync instead of each paying for one. Being the only writer, it also knows
 * which keys it put and has not deleted since: a "present" precondition on one of those ({@link
 * PresentKeys}, e.g. a stream's previous position) is answered without a read.
 *
 * <p>Futures complete on this thread; callers must not block in their callbacks.
 */
final class GroupCommitter implements Runnable {

  /** Bounds one group, so one huge burst cannot hold every writer behind a giant disk write. */
  private static final int MAX_GROUP_BATCHES = 4096;

  private static final long MAX_GROUP_BYTES = 32L << 20;
  private static final Object DELETED = new Object();

  /** What {@link #readPreconditionKeys} stores for a key it knows present without reading it. */
  private static final byte[] KNOWN_PRESENT = new byte[0];

  private static final Pending STOP = new Pending(null, null);

  private final RocksDB db;
  private final WriteOptions syncWrite;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean stopping;
  private final PresentKeys presentKeys;

  /** How a group reaches the disk: RocksDB's synced write, unless a test injects a failure. */
  private volatile DiskWrite diskWrite = RocksDB::write;

  private final CommitThreadPerf perf = CommitThreadPerf.ENABLED ? new CommitThreadPerf() : null;

  // What this thread did and where its time went (written by this thread only; see stats()).
  private volatile long diskWrites;
  private volatile long batchesCommitted;
  private volatile long keysRead;
  private volatile long keysKnownPresent;
  private volatile long keysKnownAbsent;
  private volatile long headsLearned;
  private volatile long groups;
  private volatile long readNanos;
  private volatile long checkNanos;
  private volatile long writeNanos;
  private volatile long completeNanos;

  /** Writes one group; {@link #injectDiskWrite} lets a test make it fail. */
  @FunctionalInterface
  interface DiskWrite {
    void write(RocksDB db, WriteOptions options, org.rocksdb.WriteBatch group)
        throws RocksDBException;
  }

  private record Pending(WriteBatch batch, CompletableFuture<WriteOutcome> future) {}

  /** What a reverse scan found about a family: {@link PresentKeys#learn}'s arguments. */
  private record Head(byte[] key, boolean present, long seenAt) {}

  /** Heads found by scans, taken at the start of the next group; full, a head is dropped. */
  private final ArrayBlockingQueue<Head> heads = new ArrayBlockingQueue<>(4096);

  /** The keys that the batch being checked requires absent; used by the commit thread only. */
  private final Set<ByteBuffer> requiredAbsent = new HashSet<>();

  GroupCommitter(RocksDB db, String name, PresentKeys presentKeys) {
    this.db = db;
    this.presentKeys = presentKeys;
    this.syncWrite = new WriteOptions().setSync(true);
    this.thread = new Thread(this, "fossil-rocksdb-commit-" + name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** For fault-injection tests: every later group goes to the disk through {@code write}. */
  void injectDiskWrite(DiskWrite write) {
    diskWrite = write;
  }

  CompletableFuture<WriteOutcome> submit(WriteBatch batch) {
    CompletableFuture<WriteOutcome> future = new CompletableFuture<>();
    if (stopping) {
      future.completeExceptionally(new KvClosedException());
      return future;
    }
    queue.add(new Pending(batch, future));
    if (stopping) {
      // Raced with stop(): the drain in run() may already have finished.
      failQueued();
    }
    return future;
  }

  /**
   * A reverse scan that began at sequence number {@code seenAt} found {@code key} to be the highest
   * key of its family ({@code present}), or nothing of the family at or above it: the next group
   * may learn it (a stream's head, read before its first append, spares that append's "absent" read
   * and every later one). Any thread.
   */
  void offerHead(byte[] key, boolean present, long seenAt) {
    if (presentKeys.keepsAnything()) {
      heads.offer(new Head(key, present, seenAt));
    }
  }

  /** What this thread did since the database opened, and where its time went. */
  CommitterStats stats() {
    return new CommitterStats(
        groups,
        batchesCommitted,
        diskWrites,
        keysRead,
        keysKnownPresent,
        keysKnownAbsent,
        headsLearned,
        readNanos,
        checkNanos,
        writeNanos,
        completeNanos);
  }

  /** RocksDB's perf-context totals for this thread; empty unless enabled. */
  Map<String, Long> perfTotals() {
    return perf == null ? Map.of() : perf.totals();
  }

  /** Finishes the group under way, fails everything still queued, and waits for the thread. */
  void stop() throws InterruptedException {
    stopping = true;
    queue.add(STOP);
    thread.join();
    failQueued();
    syncWrite.close();
  }

  @Override
  public void run() {
    if (perf != null) {
      perf.start(db);
    }
    List<Pending> group = new ArrayList<>();
    while (true) {
      Pending first;
      try {
        first = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (first == STOP) {
        return;
      }
      group.add(first);
      long bytes = first.batch.byteSize();
      Pending next;
      while (group.size() < MAX_GROUP_BATCHES
          && bytes < MAX_GROUP_BYTES
          && (next = queue.peek()) != null
          && next != STOP) {
        group.add(queue.poll());
        bytes += next.batch.byteSize();
      }
      commit(group);
      if (perf != null) {
        perf.accumulate();
      }
      group.clear();
    }
  }

  private void failQueued() {
    Pending p;
    while ((p = queue.poll()) != null) {
      if (p != STOP) {
        p.future.completeExceptionally(new KvClosedException());
      }
    }
  }

  private void commit(List<Pending> group) {
    WriteOutcome[] outcomes = new WriteOutcome[group.size()];
    Map<ByteBuffer, Object> accepted = new HashMap<>();
    int acceptedBatches = 0;
    long mark = System.nanoTime();
    Step step = Step.READ;
    try (org.rocksdb.WriteBatch disk = new org.rocksdb.WriteBatch()) {
      // This thread is the only writer: its next write starts right after the latest sequence.
      presentKeys.nextWriteAt(db.getLatestSequenceNumber() + 1);
      int learned = 0;
      for (Head head; (head = heads.poll()) != null; ) {
        learned += presentKeys.learn(head.key, head.present, head.seenAt) ? 1 : 0;
      }
      headsLearned += learned;
      Map<ByteBuffer, byte[]> stored = readPreconditionKeys(group);
      mark = lap(step, mark);
      step = Step.CHECK;
      for (int i = 0; i < group.size(); i++) {
        WriteBatch batch = group.get(i).batch;
        List<byte[]> failed = new ArrayList<>();
        requiredAbsent.clear();
        for (Precondition p : batch.preconditions()) {
          ByteBuffer key = ByteBuffer.wrap(p.key());
          if (!p.holds(current(accepted, stored, key))) {
            failed.add(p.key());
          }
          if (p instanceof Precondition.Absent) {
            requiredAbsent.add(key);
          }
        }
        if (!failed.isEmpty()) {
          outcomes[i] = new WriteOutcome.PreconditionFailed(failed);
          continue;
        }
        // The table learns from each mutation in order (a key put, then deleted, ends forgotten),
        // before the write: nothing reads the table again until the write has succeeded, or
        // failed and made the table forget (below). A deleted key is forgotten before the write,
        // which may still delete it if it fails.
        for (Mutation m : batch.mutations()) {
          if (m instanceof Mutation.Put put) {
            ByteBuffer key = ByteBuffer.wrap(put.key());
            disk.put(put.key(), put.value());
            accepted.put(key, put.value());
            // A key the batch requires absent (a stream's next position) is one later batches will
            // require present: worth a slot in the table.
            presentKeys.written(put.key(), requiredAbsent.contains(key));
          } else {
            presentKeys.remove(m.key());
            disk.delete(m.key());
            accepted.put(ByteBuffer.wrap(m.key()), DELETED);
          }
        }
        outcomes[i] = WriteOutcome.COMMITTED;
        acceptedBatches++;
      }
      mark = lap(step, mark);
      step = Step.WRITE;
      if (disk.count() > 0) {
        diskWrite.write(db, syncWrite, disk);
        diskWrites++;
      }
      batchesCommitted += acceptedBatches;
    } catch (RocksDBException | RuntimeException e) {
      // A failed synced write may have reached the log in part or in whole; and a precondition
      // verdict may rest on a batch of this group. Nobody in the group can be told "failed", and
      // the table knows nothing more about any family the group put to.
      WriteOutcome unknown = new WriteOutcome.Unknown("rocksdb write failed", e);
      Arrays.fill(outcomes, unknown);
      for (Pending pending : group) {
        pending.batch.mutations().forEach(m -> presentKeys.forgetFamily(m.key()));
      }
    }
    // The step that finished last, or failed. Counted before the callers hear back, so what they
    // see includes their own group.
    mark = lap(step, mark);
    groups++;
    for (int i = 0; i < group.size(); i++) {
      group.get(i).future.complete(outcomes[i]);
    }
    lap(Step.COMPLETE, mark);
  }

  private enum Step {
    READ,
    CHECK,
    WRITE,
    COMPLETE
  }

  /** Adds the time since {@code since} to {@code step}'s total; returns now. */
  private long lap(Step step, long since) {
    long now = System.nanoTime();
    long spent = now - since;
    switch (step) {
      case READ -> readNanos += spent;
      case CHECK -> checkNanos += spent;
      case WRITE -> writeNanos += spent;
      case COMPLETE -> completeNanos += spent;
    }
    return now;
  }

  /**
   * Reads every key the group's preconditions name with one multi-get (much cheaper than a point
   * read per key), except keys that {@link PresentKeys} knows present, or knows absent because
   * their family has nothing at or above them. This thread is the only writer, so the database
   * cannot change under the group; what earlier batches of the group write is overlaid by {@link
   * #current}. Maps each key to its value, {@link #KNOWN_PRESENT}, or null for absent.
   */
  private Map<ByteBuffer, byte[]> readPreconditionKeys(List<Pending> group)
      throws RocksDBException {
    Map<ByteBuffer, byte[]> unique = new java.util.LinkedHashMap<>();
    Map<ByteBuffer, byte[]> stored = new HashMap<>();
    int knownPresent = 0;
    int knownAbsent = 0;
    List<Precondition> preconditions = new ArrayList<>();
    List<byte[]> keys = new ArrayList<>();
    for (Pending pending : group) {
      for (Precondition p : pending.batch.preconditions()) {
        preconditions.add(p);
        keys.add(p.key());
      }
    }
    PresentKeys.Known[] known = presentKeys.lookUp(keys);
    for (int i = 0; i < preconditions.size(); i++) {
      Precondition p = preconditions.get(i);
      ByteBuffer k = ByteBuffer.wrap(p.key());
      if (unique.containsKey(k)) {
        continue;
      }
      if (p instanceof Precondition.Equals) {
        // It needs the value itself.
        stored.remove(k);
      } else if (stored.containsKey(k)) {
        continue;
      } else if (known[i] == PresentKeys.Known.PRESENT) {
        stored.put(k, KNOWN_PRESENT);
        knownPresent++;
        continue;
      } else if (p instanceof Precondition.Absent && known[i] == PresentKeys.Known.ABSENT) {
        stored.put(k, null);
        knownAbsent++;
        continue;
      }
      unique.put(k, p.key());
    }
    keysRead += unique.size();
    keysKnownPresent += knownPresent;
    keysKnownAbsent += knownAbsent;
    if (unique.isEmpty()) {
      return stored;
    }
    List<byte[]> toRead = new ArrayList<>(unique.values());
    List<byte[]> values = db.multiGetAsList(toRead);
    for (int i = 0; i < toRead.size(); i++) {
      stored.put(ByteBuffer.wrap(toRead.get(i)), values.get(i));
    }
    return stored;
  }

  private static byte[] current(
      Map<ByteBuffer, Object> accepted, Map<ByteBuffer, byte[]> stored, ByteBuffer key) {
    Object pending = accepted.get(key);
    if (pending != null) {
      return pending == DELETED ? null : (byte[]) pending;
    }
    return stored.get(key);
  }
}
