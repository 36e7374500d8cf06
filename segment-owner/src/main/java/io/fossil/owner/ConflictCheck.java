package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.storage.StreamIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Reads what a suspected expected-position conflict must be confirmed against before it is
 * answered: the segment's seal and each stream's head in the store. An owner's cached head goes
 * stale once its segment has moved — a successor sealed it and wrote on — while the owner has not
 * yet heard of the move (up to its lease); a 409 must cite a head the stream had after the append
 * arrived, and an owner whose segment is sealed answers none at all. Stateless; futures complete on
 * storage threads and fail if a read fails.
 */
final class ConflictCheck {

  /** The store's answer: whether the segment is sealed, and each stream's head (-1: empty). */
  record Found(boolean sealed, List<Long> heads) {}

  private ConflictCheck() {}

  /**
   * @param sealKey the segment's seal key, or null not to look (the fault suite's unfenced control)
   */
  static CompletableFuture<Found> read(KvStore store, byte[] sealKey, List<String> streams) {
    CompletableFuture<Optional<byte[]>> seal =
        sealKey == null ? CompletableFuture.completedFuture(Optional.empty()) : store.get(sealKey);
    List<CompletableFuture<Long>> heads = new ArrayList<>();
    for (String stream : streams) {
      heads.add(StreamIndex.lastPosition(store, stream));
    }
    List<CompletableFuture<?>> all = new ArrayList<>(heads);
    all.add(seal);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(
            x ->
                new Found(
                    seal.getNow(Optional.empty()).isPresent(),
                    heads.stream().map(f -> f.getNow(null)).toList()));
  }
}
