package io.fossil.kv;

/**
 * What one {@link WriteBatch} may hold on a backend, so callers can split work up front instead of
 * discovering limits by failure. Operations are counted as {@link WriteBatch#operationCount()}
 * does; bytes as {@link WriteBatch#byteSize()}.
 */
public record KvLimits(int maxOperations, long maxBatchBytes, int maxKeyBytes, int maxValueBytes) {

  public KvLimits {
    if (maxOperations < 1 || maxBatchBytes < 1 || maxKeyBytes < 1 || maxValueBytes < 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /**
   * Throws {@link KvLimitExceededException} naming the first limit {@code batch} exceeds; returns
   * normally if it fits.
   */
  public void check(WriteBatch batch) {
    if (batch.operationCount() > maxOperations) {
      throw new KvLimitExceededException(
          "batch has "
              + batch.operationCount()
              + " operations; the backend allows at most "
              + maxOperations
              + " per batch");
    }
    if (batch.byteSize() > maxBatchBytes) {
      throw new KvLimitExceededException(
          "batch holds "
              + batch.byteSize()
              + " bytes; the backend allows at most "
              + maxBatchBytes
              + " per batch");
    }
    for (Precondition p : batch.preconditions()) {
      checkKey(p.key());
      if (p instanceof Precondition.Equals e) {
        checkValue(e.key(), e.value());
      }
    }
    for (Mutation m : batch.mutations()) {
      checkKey(m.key());
      if (m instanceof Mutation.Put put) {
        checkValue(put.key(), put.value());
      }
    }
  }

  /** Throws {@link KvLimitExceededException} if {@code key} is longer than allowed. */
  public void checkKey(byte[] key) {
    if (key.length > maxKeyBytes) {
      throw new KvLimitExceededException(
          "key of " + key.length + " bytes exceeds the backend's maximum of " + maxKeyBytes);
    }
  }

  private void checkValue(byte[] key, byte[] value) {
    if (value.length > maxValueBytes) {
      throw new KvLimitExceededException(
          "value of "
              + value.length
              + " bytes for key "
              + Keys.toString(trim(key))
              + " exceeds the backend's maximum of "
              + maxValueBytes);
    }
  }

  private static byte[] trim(byte[] key) {
    return key.length <= 64 ? key : java.util.Arrays.copyOf(key, 64);
  }
}
