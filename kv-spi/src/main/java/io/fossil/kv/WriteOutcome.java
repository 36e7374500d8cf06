package io.fossil.kv;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What became of a {@link WriteBatch}. Exactly three outcomes are values; anything else (the store
 * was closed, the backend was unreachable before the batch was sent) fails the future with a {@link
 * KvException} and means the batch was certainly not applied.
 */
public sealed interface WriteOutcome {

  /** The batch applied, durably. */
  record Committed() implements WriteOutcome {}

  /**
   * The batch did not apply because at least one precondition did not hold. {@code keys} names
   * every key whose precondition failed, in the order the preconditions were given.
   */
  record PreconditionFailed(List<byte[]> keys) implements WriteOutcome {
    public PreconditionFailed {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("a failed precondition names at least one key");
      }
      keys = List.copyOf(keys);
    }

    @Override
    public String toString() {
      return "PreconditionFailed"
          + keys.stream().map(Keys::toString).collect(Collectors.joining(", ", "[", "]"));
    }
  }

  /**
   * The backend cannot tell whether the batch applied (a timeout after sending, FoundationDB's
   * commit_unknown_result, a failed disk sync) and it may still apply later. Only re-submitting a
   * batch whose preconditions make it idempotent, or reading after the backend is known to have
   * settled, resolves it (ADR 0002). {@code reason} is static text; {@code cause} may be null.
   */
  record Unknown(String reason, Throwable cause) implements WriteOutcome {}

  WriteOutcome COMMITTED = new Committed();
}
