package io.fossil.kv;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A handle on a transactional, ordered key-value store shared by every Fossil node of a cluster.
 *
 * <p>Keys are ordered by unsigned lexicographic comparison of their bytes. Reads ({@link #get},
 * {@link #scan}) are linearizable: they observe every write whose future completed before the read
 * was issued. A {@link #write} applies all of its mutations or none of them, and only if every one
 * of its preconditions holds at the moment it commits; a scan never observes part of a batch.
 *
 * <p>Implementations must be thread-safe: any thread may call any method at any time. Methods do
 * not block on I/O beyond what the backend's Javadoc says; futures may complete on a backend
 * thread, so callers must not block inside their callbacks. Arrays handed in or out are not copied:
 * callers must not modify them afterwards.
 *
 * <p>Failures: bad arguments (a batch over {@link #limits()}) throw {@link
 * KvLimitExceededException} at once. After {@link #close()}, every operation's future fails with
 * {@link KvClosedException}. A write whose outcome the backend cannot determine completes with
 * {@link WriteOutcome.Unknown}, never with an exception; a write future that fails exceptionally
 * with a {@link KvException} was certainly not applied (see ADR 0002).
 */
public interface KvStore extends AutoCloseable {

  /** Reads one key; empty when the key is absent. */
  CompletableFuture<Optional<byte[]>> get(byte[] key);

  /**
   * Reads up to {@code limit} entries of {@code range} in key order ({@code reverse}: descending
   * order). The page says what remains to read ({@link ScanPage#rest()}), so a caller can walk a
   * range of any size while holding one page at a time.
   *
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  CompletableFuture<ScanPage> scan(KeyRange range, int limit, boolean reverse);

  /**
   * Applies the batch atomically if all of its preconditions hold; see {@link WriteOutcome} for the
   * three possible outcomes.
   *
   * @throws KvLimitExceededException if the batch does not fit {@link #limits()}
   */
  CompletableFuture<WriteOutcome> write(WriteBatch batch);

  /** What one batch may hold on this backend; constant for the life of the handle. */
  KvLimits limits();

  /**
   * Releases this handle. Idempotent. Operations already under way finish (or fail with {@link
   * KvClosedException} if they had not started); later ones fail with {@link KvClosedException}.
   */
  @Override
  void close();
}
