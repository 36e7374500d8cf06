package io.fossil.reader;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.storage.CursorRecord;
import io.fossil.storage.Keyspace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cursors that consumers (read models) keep in the store, by name, so that clients can wait for a
 * consumer to pass a position they wrote (read-your-writes). One key per consumer ({@link
 * Keyspace#cursorKey}, holding a {@link CursorRecord}), written by one conditional batch per
 * change; any node reads what any other node wrote.
 *
 * <p><b>Waiting.</b> {@link #await} completes as soon as the consumer's cursor {@linkplain
 * Cursor#contains contains} the position: at once when a {@link #put} on this node stores such a
 * cursor, otherwise when a poll of the store sees it (one read per awaited consumer every {@code
 * pollInterval}, only while someone waits). It never completes later than its timeout.
 *
 * <p><b>Compaction.</b> Compaction retires segments that stored cursors and clients' positions name
 * (issue 9). Two hooks keep them working: a {@link Translation} given at construction maps old
 * positions and cursors to current ones wherever this class reads or compares them (a cursor is
 * translated when read, when compared and before it is stored, a waited-for position at every
 * check), and compaction rewrites the stored cursors eagerly ({@link #forEachStoredPage}, {@link
 * #replaceStored}) so the translation can eventually be dropped.
 *
 * <p>Thread-safe; futures complete on store threads or on this instance's one scheduler thread, so
 * callers must not block in their callbacks. Bad arguments (a name {@link #checkName} refuses)
 * throw at once; store failures travel in the futures. Expected outcomes of a write are {@link
 * CursorWrite} values.
 */
public final class ConsumerCursors implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerCursors.class);

  /** The longest consumer name, in characters (all of them ASCII). */
  public static final int MAX_NAME_LENGTH = 200;

  /** How often a wait polls the store for cursors written through other nodes. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(50);

  /**
   * How long a wait whose timeout has passed still waits for its first read of the store: a short
   * timeout on a busy node should answer with the cursor, not report the store as failed.
   */
  public static final Duration FIRST_READ_GRACE = Duration.ofMillis(500);

  /** Compare-and-set rounds lost to a concurrent rewrite before giving up with a conflict. */
  private static final int CAS_ATTEMPTS = 4;

  /**
   * How positions and cursors written before a compaction map to current ones. Both functions are
   * called on any thread, must be thread-safe and cheap, must not block, and return their argument
   * when there is nothing to translate; they may change behaviour over time (a compaction that
   * completes adds translations). {@code position} is applied to a waited-for position at every
   * check; {@code cursor} to every cursor read from the store, given in a compare-and-set, or about
   * to be stored.
   */
  public record Translation(UnaryOperator<GlobalPosition> position, UnaryOperator<Cursor> cursor) {

    /** Nothing to translate: no compaction has happened. */
    public static final Translation IDENTITY =
        new Translation(UnaryOperator.identity(), UnaryOperator.identity());
  }

  /** What a {@link #put}, {@link #compareAndSet} or {@link #delete} did. */
  public sealed interface CursorWrite {

    /** The change is stored: the consumer's cursor is now {@code cursor} (empty after a delete). */
    record Written(Optional<Cursor> cursor) implements CursorWrite {}

    /** A compare-and-set found another cursor ({@code actual}; empty = none stored): no change. */
    record Conflict(Optional<Cursor> actual) implements CursorWrite {}

    /**
     * The store could not say whether the change applied, and a read afterwards did not show it: it
     * may still apply. Retrying the same request is safe. {@code reason} is static text.
     */
    record Unknown(String reason) implements CursorWrite {}
  }

  /**
   * The end of a wait: whether the consumer's cursor contains the position, and that cursor (empty
   * when none is stored).
   */
  public record WaitResult(boolean reached, Optional<Cursor> cursor) {}

  private final KvStore store;
  private final Translation translation;
  private final CursorWaits waits;

  /** Cursors on {@code store}, untranslated, polled every {@link #DEFAULT_POLL_INTERVAL}. */
  public ConsumerCursors(KvStore store) {
    this(store, Translation.IDENTITY, DEFAULT_POLL_INTERVAL);
  }

  /**
   * @param translation how compaction maps old positions and cursors ({@link Translation#IDENTITY}
   *     before any compaction)
   * @param pollInterval how often waits poll the store while someone waits
   */
  public ConsumerCursors(KvStore store, Translation translation, Duration pollInterval) {
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
    }
    this.store = store;
    this.translation = translation;
    this.waits = new CursorWaits(store, this::translated, translation.position(), pollInterval);
  }

  // ------------------------------------------------------------------ names and layout

  /**
   * Refuses a name that is not 1 to {@link #MAX_NAME_LENGTH} characters of ASCII letters, digits,
   * {@code .}, {@code _}, {@code -} and {@code :}, starting with a letter or digit (so it is safe
   * in a URL path segment as it is, and never {@code .} or {@code ..}).
   *
   * @throws IllegalArgumentException with a message that says what to change
   */
  public static void checkName(String name) {
    ConsumerNames.check(name);
  }

  /** The key of a consumer's cursor ({@link Keyspace#cursorKey}). */
  public static byte[] key(String name) {
    return Keyspace.cursorKey(name);
  }

  /** Every stored consumer cursor. */
  public static KeyRange range() {
    return Keyspace.cursorRange();
  }

  private static byte[] encode(Cursor cursor) {
    return CursorRecord.encode(cursor);
  }

  /** The stored cursor, as written (untranslated). */
  private static Cursor decode(byte[] value) {
    return CursorRecord.decode(value);
  }

  private Optional<Cursor> translated(Optional<byte[]> value) {
    return value.map(v -> translation.cursor().apply(decode(v)));
  }

  // ------------------------------------------------------------------ reads and writes

  /** The consumer's cursor (translated), or empty if none is stored. */
  public CompletableFuture<Optional<Cursor>> get(String name) {
    checkName(name);
    return store.get(key(name)).thenApply(this::translated);
  }

  /**
   * Stores {@code cursor} (translated first) as the consumer's cursor, whatever was there: {@link
   * CursorWrite.Written} or {@link CursorWrite.Unknown}. Wakes this node's waiters at once.
   *
   * @throws io.fossil.kv.KvLimitExceededException if the cursor does not fit one batch of the store
   */
  public CompletableFuture<CursorWrite> put(String name, Cursor cursor) {
    checkName(name);
    Cursor stored = translation.cursor().apply(cursor);
    byte[] value = encode(stored);
    WriteBatch batch = WriteBatch.builder().put(key(name), value).build();
    store.limits().check(batch);
    return store.write(batch).thenCompose(outcome -> settle(name, outcome, value, stored));
  }

  /**
   * Stores {@code cursor} only if the consumer's cursor is {@code expected} (empty: none stored),
   * comparing both translated, with one conditional write: {@link CursorWrite.Written}, {@link
   * CursorWrite.Conflict} naming the actual cursor, or {@link CursorWrite.Unknown}.
   *
   * @throws io.fossil.kv.KvLimitExceededException if the cursor does not fit one batch of the store
   */
  public CompletableFuture<CursorWrite> compareAndSet(
      String name, Optional<Cursor> expected, Cursor cursor) {
    checkName(name);
    Cursor stored = translation.cursor().apply(cursor);
    byte[] value = encode(stored);
    store.limits().check(WriteBatch.builder().put(key(name), value).build());
    Optional<Cursor> wanted = expected.map(translation.cursor());
    return compareAndSet(name, wanted, stored, value, 1);
  }

  private CompletableFuture<CursorWrite> compareAndSet(
      String name, Optional<Cursor> expected, Cursor cursor, byte[] value, int attempt) {
    byte[] key = key(name);
    return store
        .get(key)
        .thenCompose(
            current -> {
              Optional<Cursor> actual = translated(current);
              if (!actual.equals(expected)) {
                return CompletableFuture.completedFuture(new CursorWrite.Conflict(actual));
              }
              // The stored bytes may be an older form of the expected cursor (not yet rewritten
              // after a compaction): the precondition is on the bytes we compared.
              WriteBatch.Builder batch = WriteBatch.builder();
              if (current.isPresent()) {
                batch.requireEquals(key, current.get());
              } else {
                batch.requireAbsent(key);
              }
              return store
                  .write(batch.put(key, value).build())
                  .thenCompose(
                      outcome -> {
                        if (outcome instanceof WriteOutcome.PreconditionFailed) {
                          // Changed since the read: compare again (a rewrite by compaction keeps
                          // the same cursor in another form), a few times at most.
                          return attempt < CAS_ATTEMPTS
                              ? compareAndSet(name, expected, cursor, value, attempt + 1)
                              : store
                                  .get(key)
                                  .thenApply(now -> new CursorWrite.Conflict(translated(now)));
                        }
                        return settle(name, outcome, value, cursor);
                      });
            });
  }

  /**
   * Removes the consumer's cursor; removing an absent one is not an error: {@link
   * CursorWrite.Written} (with an empty cursor) or {@link CursorWrite.Unknown}.
   */
  public CompletableFuture<CursorWrite> delete(String name) {
    checkName(name);
    return store
        .write(WriteBatch.builder().delete(key(name)).build())
        .thenCompose(outcome -> settle(name, outcome, null, null));
  }

  /**
   * The result of a write that put {@code value} ({@code cursor}), or deleted the key when {@code
   * value} is null. An unknown outcome is settled by one read: a key that holds what we wrote is
   * what the client asked for, whoever wrote it; otherwise the write may still apply later.
   */
  private CompletableFuture<CursorWrite> settle(
      String name, WriteOutcome outcome, byte[] value, Cursor cursor) {
    Optional<Cursor> written = Optional.ofNullable(cursor);
    if (outcome instanceof WriteOutcome.Committed) {
      wake(name, written);
      return CompletableFuture.completedFuture(new CursorWrite.Written(written));
    }
    if (outcome instanceof WriteOutcome.Unknown u) {
      return store
          .get(key(name))
          .thenApply(
              now -> {
                boolean applied =
                    value == null
                        ? now.isEmpty()
                        : now.isPresent() && Arrays.equals(now.get(), value);
                if (applied) {
                  wake(name, written);
                  return new CursorWrite.Written(written);
                }
                return new CursorWrite.Unknown(u.reason());
              });
    }
    // An unconditional write cannot fail a precondition.
    throw new IllegalStateException("unexpected outcome of a cursor write: " + outcome);
  }

  // ------------------------------------------------------------------ waiting

  /**
   * Completes when the consumer's cursor contains {@code position} ({@code reached} true), or after
   * {@code timeout} with {@code reached} false and the latest cursor seen. A zero timeout answers
   * from one read. Cancelling the returned future stops the wait and frees what it holds.
   *
   * <p>Fails with {@link TimeoutException} if the store has not answered a single read by the
   * timeout plus {@link #FIRST_READ_GRACE}, and with the store's error if the first read fails
   * (later polls retry).
   */
  public CompletableFuture<WaitResult> await(
      String name, GlobalPosition position, Duration timeout) {
    checkName(name);
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    return waits.await(name, position, timeout);
  }

  /**
   * Waits in progress on this node. A wait that has its answer no longer counts, even in the
   * instant before it is unregistered (which happens just after its caller hears back).
   */
  public int waiting() {
    return waits.waiting();
  }

  /** Offers the consumer's current cursor (translated) to its waiters on this node. */
  private void wake(String name, Optional<Cursor> cursor) {
    waits.wake(name, cursor);
  }

  // ------------------------------------------------------------------ compaction's rewrite

  /**
   * Reads every stored cursor, untranslated, {@code pageSize} at a time in consumer-name order,
   * hands each page to {@code visit} and reads the next once the future {@code visit} returned has
   * completed. A stored cursor that cannot be decoded is logged and left out. Completes when every
   * page was visited, or exceptionally with the first store or visit failure. {@code visit} runs on
   * store threads and must not block.
   */
  public CompletableFuture<Void> forEachStoredPage(
      int pageSize, Function<List<StoredCursor>, CompletableFuture<?>> visit) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be positive, was " + pageSize);
    }
    return storedPages(range(), pageSize, visit);
  }

  private CompletableFuture<Void> storedPages(
      KeyRange range, int pageSize, Function<List<StoredCursor>, CompletableFuture<?>> visit) {
    return store
        .scan(range, pageSize, false)
        .thenCompose(
            page -> {
              List<StoredCursor> stored = new ArrayList<>();
              for (KeyValue kv : page.entries()) {
                String name = Keyspace.consumerOfCursorKey(kv.key());
                try {
                  stored.add(new StoredCursor(name, decode(kv.value()), kv));
                } catch (RuntimeException e) {
                  LOG.warn(
                      "the stored cursor of consumer '{}' is unreadable; left as it is", name, e);
                }
              }
              CompletableFuture<?> done = visit.apply(stored);
              return page.rest().isEmpty()
                  ? done.thenApply(x -> (Void) null)
                  : done.thenCompose(x -> storedPages(page.rest().get(), pageSize, visit));
            });
  }

  /**
   * Replaces a stored cursor with {@code next}, as is (untranslated), in one write on the condition
   * that the stored bytes are still those {@code stored} was read from: a cursor changed in the
   * meantime (a client's put wins) is left alone and the outcome is {@link
   * WriteOutcome.PreconditionFailed}. Once committed, waits on this node see the new cursor at
   * once. Completes with the store's outcome; {@link WriteOutcome.Unknown} is not settled here.
   */
  public CompletableFuture<WriteOutcome> replaceStored(StoredCursor stored, Cursor next) {
    KeyValue kv = stored.entry();
    return store
        .write(
            WriteBatch.builder()
                .requireEquals(kv.key(), kv.value())
                .put(kv.key(), encode(next))
                .build())
        .thenApply(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed) {
                wake(stored.consumer(), Optional.of(next).map(translation.cursor()));
              }
              return outcome;
            });
  }

  /** Stops polling and fails the waits in progress. Idempotent. */
  @Override
  public void close() {
    waits.close();
  }
}
