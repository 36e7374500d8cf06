package io.fossil.compaction;

/**
 * A compaction pass was asked for while another one was running on this node; nothing was done.
 * This is the only failure that means "try again shortly, nothing is wrong" ({@code 409
 * compaction-running} over HTTP); every other failure of a pass is the store's or placement's.
 */
public final class CompactionRunningException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CompactionRunningException() {
    super("a compaction pass is already running on this node");
  }
}
