package io.fossil.placement;

/**
 * A cursor or global position names a segment that compaction retired longer ago than the
 * translation grace period (ADR 0021): it can no longer be resolved, and guessing would skip or
 * repeat events. The message completes "the cursor ...".
 */
public final class ExpiredPositionException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public ExpiredPositionException(String reason) {
    super(reason);
  }
}
