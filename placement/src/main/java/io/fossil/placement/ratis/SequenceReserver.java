package io.fossil.placement.ratis;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementView;
import io.fossil.storage.ClusterRecord;
import io.fossil.storage.Keyspace;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Leader duty: keeps placement supplied with segment sequence numbers reserved in the store, in the
 * {@link ClusterRecord} (cluster id, highest sequence reserved; DESIGN invariant 9). Each block is
 * claimed with a compare-and-set before placement may issue from it, so a placement group rebuilt
 * from scratch starts above every id the old one could have issued, and adopts the store's cluster
 * id.
 */
final class SequenceReserver {

  static final byte[] CLUSTER_KEY = Keyspace.clusterKey();

  /** Reserve again when fewer than this many sequences are left. */
  static final long LOW_WATER = 512;

  static final long BLOCK = 4096;

  private final KvStore store;

  SequenceReserver(KvStore store) {
    this.store = store;
  }

  /**
   * Claims a new block if placement runs low; completes with the command to submit, or empty when
   * nothing is needed or the claim lost a race (the next tick tries again).
   */
  CompletableFuture<Optional<PlacementCommand>> reserveIfLow(PlacementView view) {
    if (view.clusterId() != null && view.lastSeq() - view.nextSeq() + 1 >= LOW_WATER) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return store
        .get(CLUSTER_KEY)
        .thenCompose(
            current -> {
              String clusterId;
              long reserved;
              WriteBatch.Builder claim = WriteBatch.builder();
              if (current.isEmpty()) {
                clusterId =
                    view.clusterId() != null ? view.clusterId() : UUID.randomUUID().toString();
                reserved = view.lastSeq();
                claim.requireAbsent(CLUSTER_KEY);
              } else {
                ClusterRecord stored = ClusterRecord.decode(current.get());
                clusterId = stored.clusterId();
                reserved = stored.reserved();
                if (view.clusterId() != null && !view.clusterId().equals(clusterId)) {
                  return CompletableFuture.failedFuture(
                      new IllegalStateException(
                          "the store belongs to cluster "
                              + clusterId
                              + " but this placement group"
                              + " is cluster "
                              + view.clusterId()
                              + "; refusing to issue segment ids"));
                }
                claim.requireEquals(CLUSTER_KEY, current.get());
              }
              long first = reserved + 1;
              long last = reserved + BLOCK;
              claim.put(CLUSTER_KEY, new ClusterRecord(clusterId, last).encode());
              return store
                  .write(claim.build())
                  .thenApply(
                      outcome ->
                          outcome instanceof WriteOutcome.Committed
                              ? Optional.<PlacementCommand>of(
                                  new PlacementCommand.ReserveSequences(clusterId, first, last))
                              : Optional.<PlacementCommand>empty());
            });
  }
}
