package io.fossil.security;

import java.util.List;
import java.util.function.Predicate;

/**
 * Which streams of a requested selection a principal may read, for cursor reads and live tails:
 * {@link #isEmpty()} means the selection lies wholly outside the principal's grants (answer 403
 * without reading), otherwise {@link #test(String)} says which stream names a page may return.
 * {@link #coversAll()} means every stream of the selection is readable, so no filtering is needed.
 * Immutable and thread-safe.
 */
public final class ReadableStreams implements Predicate<String> {

  private final StreamSelection selection;
  private final List<StreamSelection> grants;
  private final boolean coversAll;

  ReadableStreams(StreamSelection selection, List<StreamSelection> grants, boolean coversAll) {
    this.selection = selection;
    this.grants = List.copyOf(grants);
    this.coversAll = coversAll;
  }

  public StreamSelection selection() {
    return selection;
  }

  /** No stream of the selection may be read. */
  public boolean isEmpty() {
    return grants.isEmpty();
  }

  /** Every stream of the selection may be read. */
  public boolean coversAll() {
    return coversAll;
  }

  /** Whether {@code stream} is in the selection and may be read. */
  @Override
  public boolean test(String stream) {
    if (!selection.contains(stream)) {
      return false;
    }
    if (coversAll) {
      return true;
    }
    for (StreamSelection g : grants) {
      if (g.contains(stream)) {
        return true;
      }
    }
    return false;
  }

  /** Allowed, or the denial a 403 names ({@code read on category orders}). */
  public Decision decision() {
    return isEmpty() ? new Decision.Denied(Action.READ, selection.toString()) : Decision.ALLOWED;
  }

  @Override
  public String toString() {
    return "ReadableStreams[" + selection + (coversAll ? ", all" : isEmpty() ? ", none" : "") + "]";
  }
}
