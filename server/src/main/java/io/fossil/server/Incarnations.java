package io.fossil.server;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.storage.Keyspace;
import io.fossil.storage.NodeIncarnation;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Issues a node process its incarnation from the store when it starts (ADR 10): reads the node id's
 * {@link NodeIncarnation} and writes {@link NodeIncarnation#next} over it with a compare-and-set,
 * again after a lost race or an unknown outcome. Only a committed write issues a value, so two
 * processes of one node id, even started in the same millisecond, never share an incarnation, and
 * the later one's is the greater: the zombie of a restarted node cannot renew its lease in place,
 * and placement takes it for the stale one. Works on every store (a read and a conditional write).
 * Stateless and thread-safe.
 */
final class Incarnations {

  /** Compare-and-set attempts before giving up (each lost only to another start of the node). */
  static final int MAX_ATTEMPTS = 100;

  private Incarnations() {}

  /** Issues the next incarnation of {@code nodeId}, waiting at most {@code timeout}. */
  static long issue(KvStore store, String nodeId, LongSupplier wallMillis, Duration timeout) {
    try {
      return issue(store, nodeId, wallMillis).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while issuing node " + nodeId + " an incarnation");
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot issue node " + nodeId + " an incarnation: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot issue node " + nodeId + " an incarnation: the store did not answer in " + timeout,
          e);
    }
  }

  /** Issues the next incarnation of {@code nodeId}. */
  static CompletableFuture<Long> issue(KvStore store, String nodeId, LongSupplier wallMillis) {
    return attempt(store, Keyspace.nodeKey(nodeId), wallMillis, 1);
  }

  private static CompletableFuture<Long> attempt(
      KvStore store, byte[] key, LongSupplier wallMillis, int attempt) {
    return store
        .get(key)
        .thenCompose(
            current -> {
              Optional<NodeIncarnation> previous = current.map(NodeIncarnation::decode);
              NodeIncarnation next = NodeIncarnation.next(previous, wallMillis.getAsLong());
              WriteBatch.Builder write = WriteBatch.builder();
              if (current.isPresent()) {
                write.requireEquals(key, current.get());
              } else {
                write.requireAbsent(key);
              }
              write.put(key, next.encode());
              return store
                  .write(write.build())
                  .thenCompose(
                      outcome -> {
                        if (outcome instanceof WriteOutcome.Committed) {
                          return CompletableFuture.completedFuture(next.incarnation());
                        }
                        // Lost a race, or unknown: the value may be ours or another start's, so
                        // it is never taken as issued; read what is there and go past it.
                        if (attempt >= MAX_ATTEMPTS) {
                          return CompletableFuture.failedFuture(
                              new IllegalStateException(
                                  "gave up after "
                                      + attempt
                                      + " attempts; the last write was "
                                      + outcome));
                        }
                        return attempt(store, key, wallMillis, attempt + 1);
                      });
            });
  }
}
