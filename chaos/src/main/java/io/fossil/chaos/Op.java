package io.fossil.chaos;

import java.util.List;

/**
 * One append as the workload saw it: invoked at {@code invokeNanos}, answered (or given up on) at
 * {@code completeNanos}, both on the workload's monotonic clock.
 *
 * @param expected the expected position sent, or null for none
 * @param first the first position the node acknowledged for {@link Outcome#OK}; the stream's actual
 *     position for a wrong-expected-position conflict; else -1
 * @param last the last position acknowledged ({@link Outcome#OK} only, else -1)
 * @param detail the status and problem type, or the exception, for the history file
 */
public record Op(
    int worker,
    String stream,
    List<String> ids,
    Long expected,
    long invokeNanos,
    long completeNanos,
    Outcome outcome,
    long first,
    long last,
    String detail) {

  /** What the client knows about whether the append committed. */
  public enum Outcome {
    /** Acknowledged: committed at {@code first..last}. */
    OK,
    /** Certainly not committed (a conflict, no owner, a refused connection). */
    FAIL,
    /** May or may not have committed (a timeout, a lost connection, outcome-unknown). */
    UNKNOWN
  }

  public Op {
    ids = List.copyOf(ids);
  }
}
