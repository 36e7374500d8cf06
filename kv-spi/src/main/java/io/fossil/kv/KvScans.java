package io.fossil.kv;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Walks ranges of any size one page at a time, holding only the current page in memory. */
public final class KvScans {

  private KvScans() {}

  /**
   * Feeds every entry of {@code range} to {@code action}, in scan order, reading {@code pageSize}
   * entries per call. Completes with the number of entries seen, or exceptionally with the first
   * failure. {@code action} runs on whatever thread completed the page; it must not block.
   */
  public static CompletableFuture<Long> forEach(
      KvStore store, KeyRange range, int pageSize, boolean reverse, Consumer<KeyValue> action) {
    CompletableFuture<Long> result = new CompletableFuture<>();
    new Walk(store, pageSize, reverse, action, result).next(range);
    return result;
  }

  private static final class Walk {
    private final KvStore store;
    private final int pageSize;
    private final boolean reverse;
    private final Consumer<KeyValue> action;
    private final CompletableFuture<Long> result;
    private long seen;

    Walk(
        KvStore store,
        int pageSize,
        boolean reverse,
        Consumer<KeyValue> action,
        CompletableFuture<Long> result) {
      this.store = store;
      this.pageSize = pageSize;
      this.reverse = reverse;
      this.action = action;
      this.result = result;
    }

    /**
     * Loops while pages complete synchronously, so an in-memory store cannot overflow the stack.
     */
    void next(KeyRange range) {
      KeyRange current = range;
      while (current != null) {
        CompletableFuture<ScanPage> page = store.scan(current, pageSize, reverse);
        if (!page.isDone()) {
          page.whenComplete(
              (p, e) -> {
                KeyRange rest = consume(p, e);
                if (rest != null) {
                  next(rest);
                }
              });
          return;
        }
        current = page.handle(this::consume).getNow(null);
      }
    }

    /** Returns the range still to read, or null when the walk is over (result completed). */
    private KeyRange consume(ScanPage page, Throwable error) {
      if (error != null) {
        result.completeExceptionally(error);
        return null;
      }
      try {
        page.entries().forEach(action);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
        return null;
      }
      seen += page.entries().size();
      Optional<KeyRange> rest = page.rest();
      if (rest.isEmpty()) {
        result.complete(seen);
        return null;
      }
      return rest.get();
    }
  }
}
