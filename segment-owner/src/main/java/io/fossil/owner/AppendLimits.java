package io.fossil.owner;

import io.fossil.kv.KvLimits;
import io.fossil.owner.InvalidAppendException.Code;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The limits an append must fit, derived from the backend's {@link KvLimits}: an append is never
 * split across storage writes (DESIGN invariant 3), so the most events one append may hold is what
 * one batch holds with its index and id keys and its preconditions. Immutable, thread-safe.
 */
public final class AppendLimits {

  public static final int MAX_STREAM_NAME_BYTES = 512;
  public static final int MAX_TYPE_BYTES = 256;
  public static final int MAX_ID_BYTES = 256;

  /** Bytes of keys and record framing per event, beyond its payload (a generous bound). */
  static final int PER_EVENT_OVERHEAD = 3 * MAX_STREAM_NAME_BYTES / 2 + 2 * MAX_ID_BYTES + 160;

  private final KvLimits kv;
  private final int maxEventsPerAppend;
  private final int maxEventBytes;

  public AppendLimits(KvLimits kv) {
    this.kv = kv;
    // Per event: 3 mutations (record, index, id) and 2 preconditions (index absent, id absent);
    // per append: previous position present; per batch: seal absent and first event key absent.
    this.maxEventsPerAppend =
        Math.max(1, Math.min((kv.maxOperations() - 3) / 2, kv.maxOperations() / 3));
    this.maxEventBytes =
        (int) Math.min(kv.maxValueBytes() - 2048L, kv.maxBatchBytes() - PER_EVENT_OVERHEAD);
  }

  public int maxEventsPerAppend() {
    return maxEventsPerAppend;
  }

  public int maxEventBytes() {
    return maxEventBytes;
  }

  public KvLimits kv() {
    return kv;
  }

  /** Throws {@link InvalidAppendException} if the append can never succeed. */
  public void check(AppendRequest request) {
    checkStreamName(request.stream());
    if (request.expectedPosition() != AppendRequest.ANY && request.expectedPosition() < -1) {
      throw new InvalidAppendException(
          Code.INVALID_EXPECTED_POSITION,
          "expected position must be -1 (empty stream) or a position >= 0, was "
              + request.expectedPosition());
    }
    if (request.events().isEmpty()) {
      throw new InvalidAppendException(Code.EMPTY_APPEND, "an append needs at least one event");
    }
    if (request.events().size() > maxEventsPerAppend) {
      throw new InvalidAppendException(
          Code.APPEND_TOO_LARGE,
          "an append holds at most "
              + maxEventsPerAppend
              + " events on this storage backend (it"
              + " commits in one transaction); got "
              + request.events().size());
    }
    long total = 0;
    Set<String> ids = new HashSet<>();
    for (ProposedEvent e : request.events()) {
      checkText(e.type(), MAX_TYPE_BYTES, Code.INVALID_EVENT_TYPE, "event type");
      if (e.id() != null) {
        checkText(e.id(), MAX_ID_BYTES, Code.INVALID_EVENT_ID, "event id");
        if (!ids.add(e.id())) {
          throw new InvalidAppendException(
              Code.DUPLICATE_EVENT_ID, "event id '" + e.id() + "' appears twice in one append");
        }
      }
      long size = (long) e.data().length + e.metadata().length;
      if (size > maxEventBytes) {
        throw new InvalidAppendException(
            Code.EVENT_TOO_LARGE,
            "an event's data and metadata may hold at most "
                + maxEventBytes
                + " bytes; got "
                + size);
      }
      total += size + PER_EVENT_OVERHEAD;
    }
    if (total > kv.maxBatchBytes()) {
      throw new InvalidAppendException(
          Code.APPEND_TOO_LARGE,
          "the append's events add up to more than the "
              + kv.maxBatchBytes()
              + " bytes one storage transaction holds; split it into several appends");
    }
  }

  /** Throws {@link InvalidAppendException} unless {@code stream} is a valid stream name. */
  public static void checkStreamName(String stream) {
    checkText(stream, MAX_STREAM_NAME_BYTES, Code.INVALID_STREAM_NAME, "stream name");
  }

  private static void checkText(String s, int maxBytes, Code code, String what) {
    if (s == null || s.isEmpty()) {
      throw new InvalidAppendException(code, what + " must not be empty");
    }
    int bytes = s.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      throw new InvalidAppendException(
          code, what + " is " + bytes + " bytes long; the maximum is " + maxBytes);
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || Character.isSurrogate(c) && !validSurrogate(s, i)) {
        throw new InvalidAppendException(
            code, what + " contains a control character or broken Unicode at index " + i);
      }
    }
  }

  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
