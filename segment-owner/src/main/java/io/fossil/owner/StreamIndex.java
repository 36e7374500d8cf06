package io.fossil.owner;

import io.fossil.kv.KvStore;
import java.util.concurrent.CompletableFuture;

/** Reads of the stream index that the writer and the readers share. */
public final class StreamIndex {

  private StreamIndex() {}

  /**
   * The stream's last committed position, -1 when it is empty. The index spans segments, so this
   * holds across owner changes.
   */
  public static CompletableFuture<Long> lastPosition(KvStore store, String stream) {
    return store
        .scan(EventLayout.positionRange(stream), 1, true)
        .thenApply(
            page ->
                page.entries().isEmpty()
                    ? -1L
                    : EventLayout.positionOfIndexKey(page.entries().get(0).key()));
  }
}
