package io.fossil.owner;

import io.fossil.storage.StreamIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the event ids an append carries say when some are stored already (ADR 0013): nothing (a new
 * append), a retry of an earlier append (its original positions: every event stored with the same
 * payload, by one earlier append, at consecutive positions in the retry's order), or an idempotency
 * conflict. Stateless and thread-safe.
 */
final class StoredIds {

  private StoredIds() {}

  /**
   * Null if the ids allow the append; otherwise the duplicate or conflict result. {@code stored}
   * holds, for each event of {@code r} in order, the value stored under its id (empty for none or
   * no id); {@code payloadHashes} their payloads' hashes ({@link SegmentAppender.Pending}).
   */
  static AppendResult check(AppendRequest r, long[] payloadHashes, List<Optional<byte[]>> stored) {
    List<StreamIndex.IdValue> found = new ArrayList<>(stored.size());
    String firstStored = null;
    for (int i = 0; i < stored.size(); i++) {
      Optional<byte[]> s = stored.get(i);
      if (s.isEmpty()) {
        continue;
      }
      StreamIndex.IdValue v = StreamIndex.decodeIdValue(s.get());
      ProposedEvent e = r.events().get(i);
      if (!PayloadHash.matches(v, e, payloadHashes[2 * i], payloadHashes[2 * i + 1])) {
        return new AppendResult.IdempotencyConflict(
            r.stream(), e.id(), "this id is already stored with a different payload");
      }
      found.add(v);
      firstStored = firstStored == null ? e.id() : firstStored;
    }
    if (found.isEmpty()) {
      return null;
    }
    if (found.size() < r.events().size()) {
      return new AppendResult.IdempotencyConflict(
          r.stream(), firstStored, "some of the append's events are stored already, but not all");
    }
    // A retry is answered with one range of positions, so its events must be that range, in
    // order, and one earlier append's (issue 33): events of two appends would be answered with a
    // range that holds other appends' events, or claim that two appends were one.
    StreamIndex.IdValue first = found.get(0);
    for (int i = 1; i < found.size(); i++) {
      StreamIndex.IdValue v = found.get(i);
      if (v.position() != first.position() + i
          || v.appendFirstPosition() != first.appendFirstPosition()) {
        return new AppendResult.IdempotencyConflict(
            r.stream(),
            r.events().get(i).id(),
            "the append's events are stored already, but not as one earlier append in this order");
      }
    }
    return new AppendResult.Duplicate(
        r.stream(), first.position(), found.get(found.size() - 1).position());
  }
}
