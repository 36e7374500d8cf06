package io.fossil.server;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.placement.PlacementConfig;
import io.fossil.storage.Keyspace;
import io.fossil.storage.PolicyRecord;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Placement policy that every voter must apply alike, agreed through the store (ADR 29): how many
 * nodes a new cluster waits for before it assigns its ring. A node derives it from its voters
 * ({@code --voters}, {@code --kubernetes-voters}), which growing the group changes; but the ring is
 * assigned by a command every replica applies, and a voter that replays the log (a new one, or one
 * restarting from an early snapshot) must decide as the others did. So the first node that starts
 * writes its value, and every node after it takes the stored one. Stateless and thread-safe.
 */
final class SharedPolicy {

  private static final Logger LOG = LoggerFactory.getLogger(SharedPolicy.class);

  private SharedPolicy() {}

  /** {@code local} with the cluster's stored policy, waiting at most {@code timeout}. */
  static PlacementConfig agree(
      KvStore store, String nodeId, PlacementConfig local, Duration timeout) {
    try {
      return agree(store, nodeId, local).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the placement policy");
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot read the cluster's placement policy: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot read the cluster's placement policy: the store did not answer in " + timeout, e);
    }
  }

  /** {@code local} with the cluster's stored policy; stores {@code local}'s if there is none. */
  static CompletableFuture<PlacementConfig> agree(
      KvStore store, String nodeId, PlacementConfig local) {
    byte[] key = Keyspace.policyKey();
    return store
        .get(key)
        .thenCompose(
            stored -> {
              if (stored.isPresent()) {
                return CompletableFuture.completedFuture(
                    adopt(nodeId, local, PolicyRecord.decode(stored.get())));
              }
              PolicyRecord mine = new PolicyRecord(local.expectedVoters());
              return store
                  .write(WriteBatch.builder().requireAbsent(key).put(key, mine.encode()).build())
                  .thenCompose(
                      outcome ->
                          outcome instanceof WriteOutcome.Committed
                              ? CompletableFuture.completedFuture(local)
                              // Another node was first, or the outcome is unknown: read it.
                              : store
                                  .get(key)
                                  .thenApply(
                                      again ->
                                          adopt(
                                              nodeId,
                                              local,
                                              again
                                                  .map(PolicyRecord::decode)
                                                  .orElseThrow(
                                                      () ->
                                                          new IllegalStateException(
                                                              "the placement policy was neither"
                                                                  + " written nor found: "
                                                                  + outcome)))));
            });
  }

  private static PlacementConfig adopt(String nodeId, PlacementConfig local, PolicyRecord stored) {
    int expected = Math.toIntExact(stored.expectedNodes());
    if (expected == local.expectedVoters()) {
      return local;
    }
    LOG.info(
        "node {}: the cluster assigns its ring once {} nodes registered, as it did since its first"
            + " start ({} here, from this node's voters); every voter must apply the same policy",
        nodeId,
        expected,
        local.expectedVoters());
    return new PlacementConfig(
        local.ringSegments(),
        expected,
        local.leaseMillis(),
        local.maxMovesPerTick(),
        local.maxOpenSegments());
  }
}
