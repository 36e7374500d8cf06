package io.fossil.compaction;

import io.fossil.kv.WriteOutcome;
import io.fossil.position.Cursor;
import io.fossil.reader.ConsumerCursors;
import io.fossil.reader.StoredCursor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a pass (ADR 0021): rewrites the stored consumer cursors that name segments
 * compaction retired, so their translation can eventually be dropped. Each rewrite is one write on
 * the condition that the stored bytes are still those read: a cursor changed in the meantime (a
 * client's put wins) is left alone, and so is one whose write outcome stays unknown; both are
 * translated when read and rewritten by the next pass. Thread-safe.
 */
final class StoredCursorRewrite {

  private static final Logger LOG = LoggerFactory.getLogger(StoredCursorRewrite.class);

  /** Stored cursors read per page; the rewrites of a page run together. */
  static final int PAGE = 100;

  private final ConsumerCursors cursors;

  StoredCursorRewrite(ConsumerCursors cursors) {
    this.cursors = cursors;
  }

  /**
   * Rewrites every stored cursor that {@code translation} changes. A cursor it cannot translate (it
   * names a segment retired longer ago than the grace, or is invalid) is left as it is: its reader
   * gets the error.
   */
  CompletableFuture<Integer> translateAll(UnaryOperator<Cursor> translation) {
    return rewriteAll(
        c -> {
          try {
            Cursor t = translation.apply(c);
            return t.equals(c) ? Optional.empty() : Optional.of(t);
          } catch (IllegalArgumentException e) {
            return Optional.empty(); // expired or invalid: its reader gets the error
          }
        });
  }

  /**
   * Rewrites every stored cursor for which {@code translate} returns a cursor different from the
   * stored one (given untranslated, as stored), reading {@value #PAGE} cursors per page. Completes
   * with the number of cursors rewritten, or exceptionally with the first store failure. {@code
   * translate} runs on store threads and must not block.
   */
  CompletableFuture<Integer> rewriteAll(Function<Cursor, Optional<Cursor>> translate) {
    AtomicInteger rewritten = new AtomicInteger();
    return cursors
        .forEachStoredPage(
            PAGE,
            page -> {
              List<CompletableFuture<?>> writes = new ArrayList<>();
              for (StoredCursor stored : page) {
                writes.add(rewrite(stored, translate, rewritten));
              }
              return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
            })
        .thenApply(x -> rewritten.get());
  }

  private CompletableFuture<Void> rewrite(
      StoredCursor stored, Function<Cursor, Optional<Cursor>> translate, AtomicInteger rewritten) {
    Optional<Cursor> next = translate.apply(stored.cursor());
    if (next.isEmpty() || next.get().equals(stored.cursor())) {
      return CompletableFuture.completedFuture(null);
    }
    return cursors
        .replaceStored(stored, next.get())
        .thenAccept(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed) {
                rewritten.incrementAndGet();
              } else if (outcome instanceof WriteOutcome.Unknown) {
                LOG.info(
                    "rewriting the cursor of consumer '{}' has an unknown outcome",
                    stored.consumer());
              }
            });
  }
}
