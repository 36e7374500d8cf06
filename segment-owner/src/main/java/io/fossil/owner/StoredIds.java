package io.fossil.owner;

import io.fossil.storage.StreamIndex;
import java.util.List;
import java.util.Optional;

/**
 * What the event ids an append carries say when some are stored already (ADR 0013): nothing (a new
 * append), a retry of an earlier append (its original positions), or an idempotency conflict.
 * Stateless and thread-safe.
 */
final class StoredIds {

  private StoredIds() {}

  /**
   * Null if the ids allow the append; otherwise the duplicate or conflict result. {@code stored}
   * holds, for each event of {@code r} in order, the value stored under its id (empty for none or
   * no id); {@code payloadHashes} their payloads' hashes ({@link SegmentAppender.Pending}).
   */
  static AppendResult check(AppendRequest r, long[] payloadHashes, List<Optional<byte[]>> stored) {
    int present = 0;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (int i = 0; i < stored.size(); i++) {
      Optional<byte[]> s = stored.get(i);
      if (s.isEmpty()) {
        continue;
      }
      present++;
      StreamIndex.IdValue v = StreamIndex.decodeIdValue(s.get());
      ProposedEvent e = r.events().get(i);
      if (!PayloadHash.matches(v, e, payloadHashes[2 * i], payloadHashes[2 * i + 1])) {
        return new AppendResult.IdempotencyConflict(
            r.stream(), e.id(), "this id is already stored with a different payload");
      }
      first = Math.min(first, v.position());
      last = Math.max(last, v.position());
    }
    if (present == 0) {
      return null;
    }
    if (present < r.events().size()) {
      String missing = null;
      for (int i = 0; i < stored.size() && missing == null; i++) {
        if (stored.get(i).isPresent()) {
          missing = r.events().get(i).id();
        }
      }
      return new AppendResult.IdempotencyConflict(
          r.stream(), missing, "some of the append's events are stored already, but not all");
    }
    return new AppendResult.Duplicate(r.stream(), first, last);
  }
}
