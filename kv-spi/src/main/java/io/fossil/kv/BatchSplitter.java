package io.fossil.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts bulk work that need not be atomic as a whole (compaction, index rewrites, imports) into
 * batches that each fit a backend's {@link KvLimits}. Every batch carries the same {@code common}
 * preconditions (for example a fencing epoch), so each one still commits only while they hold.
 *
 * <p>Never use this for an append: an append commits whole or not at all (DESIGN invariant 3).
 */
public final class BatchSplitter {

  private BatchSplitter() {}

  /**
   * Splits {@code mutations}, in order, into as few batches as the limits allow.
   *
   * @throws KvLimitExceededException if the common preconditions plus any single mutation do not
   *     fit in one batch
   */
  public static List<WriteBatch> split(
      List<Precondition> common, List<Mutation> mutations, KvLimits limits) {
    WriteBatch.Builder header = WriteBatch.builder();
    common.forEach(header::require);
    WriteBatch commonOnly = header.build();
    limits.check(commonOnly);

    List<WriteBatch> out = new ArrayList<>();
    WriteBatch.Builder current = null;
    long currentBytes = 0;
    int currentMutations = 0;
    for (Mutation m : mutations) {
      long size = m.key().length + (m instanceof Mutation.Put p ? p.value().length : 0);
      boolean fits =
          current != null
              && currentMutations + 1 <= limits.maxOperations()
              && currentBytes + size <= limits.maxBatchBytes();
      if (!fits) {
        if (current != null) {
          out.add(current.build());
        }
        current = WriteBatch.builder();
        common.forEach(current::require);
        currentBytes = commonOnly.byteSize();
        currentMutations = 0;
        WriteBatch single = WriteBatch.builder().add(m).build();
        limits.checkKey(m.key());
        if (common.size() > limits.maxOperations()
            || currentBytes + size > limits.maxBatchBytes()) {
          throw new KvLimitExceededException(
              "mutation of "
                  + size
                  + " bytes does not fit in one batch with its "
                  + common.size()
                  + " common preconditions");
        }
        limits.check(single);
      }
      current.add(m);
      currentBytes += size;
      currentMutations++;
    }
    if (current != null) {
      out.add(current.build());
    }
    return out;
  }
}
