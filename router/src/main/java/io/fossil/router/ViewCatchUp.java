package io.fossil.router;

import io.fossil.placement.PlacementView;
import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.reader.CursorReader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Waits for this node to learn the placement a client's position or cursor came from: another node
 * may have seen a newer placement (a split, a compaction) than this one (ADR 0021). Never fails;
 * the future completes on whichever thread delivered the newest view.
 */
final class ViewCatchUp {

  private ViewCatchUp() {}

  /**
   * Waits, up to the deadline ({@link System#nanoTime}), for a view of which {@code ahead} is false
   * (the client's position or cursor came from a node that knows more), and completes with the
   * newest view it got.
   */
  static CompletableFuture<PlacementView> catchUp(
      NodeServices node, PlacementView view, Predicate<PlacementView> ahead, long deadline) {
    long left = deadline - System.nanoTime();
    if (!ahead.test(view) || left <= 0) {
      return CompletableFuture.completedFuture(view);
    }
    return node.awaitView(view.version(), Duration.ofNanos(left))
        .thenCompose(
            v ->
                v.version() > view.version()
                    ? catchUp(node, v, ahead, deadline)
                    : CompletableFuture.completedFuture(v));
  }

  /** Whether a parsed position or cursor names more than {@code view} knows. */
  static boolean isAhead(PlacementView view, Object positionOrCursor) {
    return positionOrCursor instanceof GlobalPosition p
        ? CursorReader.isAhead(view, p)
        : CursorReader.isAhead(view, (Cursor) positionOrCursor);
  }
}
