package io.fossil.kv.fdb;

import com.apple.foundationdb.Database;
import com.apple.foundationdb.StreamingMode;
import com.apple.foundationdb.Transaction;
import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.KvClosedException;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.Mutation;
import io.fossil.kv.Precondition;
import io.fossil.kv.ScanPage;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link KvStore} on FoundationDB (ADR 0006): every key lives under the store's prefix, every
 * call is one FoundationDB transaction per attempt, retried by {@link FdbRetryLoop}.
 *
 * <ul>
 *   <li>{@link #get} and {@link #scan} each take a fresh read version, so they are linearizable; a
 *       scan page is one range read, so it never sees part of a batch.
 *   <li>{@link #write} reads every precondition key inside the transaction (each read adds a read
 *       conflict range, so the commit fails with {@code not_committed} if any of them changed),
 *       returns {@link WriteOutcome.PreconditionFailed} without committing if one does not hold,
 *       and otherwise applies the mutations in order and commits. A commit that may have applied
 *       ({@code commit_unknown_result}, a timeout while committing) is {@link
 *       WriteOutcome.Unknown}; it is never retried here.
 * </ul>
 *
 * <p>Thread-safe; futures complete on the FoundationDB client's executor, never on its network
 * thread. {@link #close()} lets operations under way finish, then releases this handle's share of
 * the database; other handles are unaffected.
 */
public final class FdbKvStore implements KvStore {

  private final Database database;
  private final Executor executor;
  private final FdbKeyspace keyspace;
  private final KvLimits limits;
  private final long transactionTimeoutMillis;
  private final FdbRetryLoop retry;
  private final Runnable release;

  private final Object lock = new Object();
  private int inFlight; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean released; // guarded by lock

  FdbKvStore(
      Database database,
      Executor executor,
      FdbStoreConfig config,
      FdbRetryLoop retry,
      Runnable release) {
    this.database = database;
    this.executor = executor;
    this.keyspace = new FdbKeyspace(config.keyPrefix());
    this.limits = FdbLimits.forPrefix(config.keyPrefix().length);
    this.transactionTimeoutMillis = config.transactionTimeout().toMillis();
    this.retry = retry;
    this.release = release;
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(byte[] key) {
    byte[] stored = keyspace.key(key);
    return guarded(
        () ->
            retry.run(
                "get",
                commit -> inTransaction(tr -> tr.get(stored).thenApply(Optional::ofNullable)),
                null));
  }

  @Override
  public CompletableFuture<ScanPage> scan(KeyRange range, int limit, boolean reverse) {
    if (limit < 1) {
      throw new IllegalArgumentException("scan limit must be at least 1, was " + limit);
    }
    if (range.isEmpty()) {
      return guarded(
          () -> CompletableFuture.completedFuture(ScanPage.of(range, List.of(), reverse, false)));
    }
    byte[] begin = keyspace.begin(range);
    byte[] end = keyspace.end(range);
    // One row more than asked tells whether the range goes on, without another round trip.
    int fetch = limit == Integer.MAX_VALUE ? Transaction.ROW_LIMIT_UNLIMITED : limit + 1;
    return guarded(
        () ->
            retry.run(
                "scan",
                commit ->
                    inTransaction(
                        tr ->
                            tr.getRange(begin, end, fetch, reverse, StreamingMode.WANT_ALL)
                                .asList()
                                .thenApply(rows -> page(range, rows, limit, reverse))),
                null));
  }

  private ScanPage page(
      KeyRange range, List<com.apple.foundationdb.KeyValue> rows, int limit, boolean reverse) {
    int n = Math.min(limit, rows.size());
    List<KeyValue> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      com.apple.foundationdb.KeyValue row = rows.get(i);
      entries.add(new KeyValue(keyspace.strip(row.getKey()), row.getValue()));
    }
    return ScanPage.of(range, entries, reverse, rows.size() > limit);
  }

  @Override
  public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
    limits.check(batch);
    if (batch.isEmpty()) {
      return guarded(() -> CompletableFuture.completedFuture(WriteOutcome.COMMITTED));
    }
    StoredBatch stored = new StoredBatch(batch, keyspace);
    return guarded(
        () ->
            retry.run(
                "write",
                commit -> inTransaction(tr -> stored.attempt(tr, commit)),
                FdbKvStore::unknown));
  }

  /** A batch with its keys already moved under the prefix, ready for any number of attempts. */
  private static final class StoredBatch {
    private final List<Precondition> preconditions;
    private final List<byte[]> readKeys;
    private final List<Mutation> mutations;
    private final List<byte[]> writeKeys;

    StoredBatch(WriteBatch batch, FdbKeyspace keyspace) {
      preconditions = batch.preconditions();
      readKeys = new ArrayList<>(preconditions.size());
      for (Precondition p : preconditions) {
        readKeys.add(keyspace.key(p.key()));
      }
      mutations = batch.mutations();
      writeKeys = new ArrayList<>(mutations.size());
      for (Mutation m : mutations) {
        writeKeys.add(keyspace.key(m.key()));
      }
    }

    /**
     * One attempt: read every precondition key (each read is a read conflict range, so a change to
     * any of them before our commit makes the commit fail with not_committed, and the next attempt
     * sees it), then either report every failed precondition without committing, or apply the
     * mutations in order and commit.
     */
    CompletableFuture<WriteOutcome> attempt(Transaction tr, FdbRetryLoop.CommitSent commit) {
      List<CompletableFuture<byte[]>> reads = new ArrayList<>(readKeys.size());
      for (byte[] key : readKeys) {
        reads.add(tr.get(key));
      }
      return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0]))
          .thenCompose(
              allRead -> {
                List<byte[]> failed = new ArrayList<>();
                for (int i = 0; i < preconditions.size(); i++) {
                  // getNow cannot miss: allOf completed normally, so every read is done.
                  if (!preconditions.get(i).holds(reads.get(i).getNow(null))) {
                    failed.add(preconditions.get(i).key());
                  }
                }
                if (!failed.isEmpty()) {
                  return CompletableFuture.completedFuture(
                      new WriteOutcome.PreconditionFailed(failed));
                }
                for (int i = 0; i < mutations.size(); i++) {
                  if (mutations.get(i) instanceof Mutation.Put put) {
                    tr.set(writeKeys.get(i), put.value());
                  } else {
                    tr.clear(writeKeys.get(i));
                  }
                }
                commit.mark();
                return tr.commit().thenApply(committed -> WriteOutcome.COMMITTED);
              });
    }
  }

  private static WriteOutcome unknown(Throwable cause) {
    return new WriteOutcome.Unknown(
        "FoundationDB could not tell whether the commit applied, and it may still apply", cause);
  }

  /**
   * Clears every key of this store (its whole prefix) in one transaction; for tests that must leave
   * a shared cluster clean. Not part of {@link KvStore}.
   */
  CompletableFuture<WriteOutcome> clearAll() {
    byte[] begin = keyspace.begin(KeyRange.all());
    byte[] end = keyspace.end(KeyRange.all());
    return guarded(
        () ->
            retry.run(
                "clear",
                commit ->
                    inTransaction(
                        tr -> {
                          tr.clear(begin, end);
                          commit.mark();
                          return tr.commit().thenApply(v -> WriteOutcome.COMMITTED);
                        }),
                FdbKvStore::unknown));
  }

  @Override
  public KvLimits limits() {
    return limits;
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    releaseIfIdle();
  }

  /** Runs one attempt in a fresh transaction (a fresh read version), closed when it completes. */
  private <T> CompletableFuture<T> inTransaction(Function<Transaction, CompletableFuture<T>> body) {
    Transaction tr = database.createTransaction(executor);
    CompletableFuture<T> outcome;
    try {
      tr.options().setTimeout(transactionTimeoutMillis);
      outcome = body.apply(tr);
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    return outcome.whenComplete((value, error) -> tr.close());
  }

  /**
   * Runs {@code operation} unless the handle is closed, counting it as in flight until its future
   * completes, so that {@link #close()} never pulls the database from under it.
   */
  private <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> operation) {
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new KvClosedException());
      }
      inFlight++;
    }
    CompletableFuture<T> started;
    try {
      started = operation.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    started.whenComplete(
        (value, error) -> {
          synchronized (lock) {
            inFlight--;
          }
          releaseIfIdle();
          if (error == null) {
            result.complete(value);
          } else {
            result.completeExceptionally(FdbErrors.unwrap(error));
          }
        });
    return result;
  }

  private void releaseIfIdle() {
    synchronized (lock) {
      if (!closed || inFlight > 0 || released) {
        return;
      }
      released = true;
    }
    release.run();
  }
}
