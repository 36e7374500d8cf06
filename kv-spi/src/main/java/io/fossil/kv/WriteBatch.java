package io.fossil.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable, all-or-nothing unit of writing: preconditions checked at commit time, then
 * mutations applied in order (a later mutation of the same key wins). Built with {@link
 * #builder()}.
 *
 * <p>A batch whose preconditions make it fail if it was already applied (for example "my key is
 * absent") can be re-submitted after an {@link WriteOutcome.Unknown} outcome without risk of
 * applying twice; that is how Fossil resolves unknown outcomes (ADR 0002).
 */
public final class WriteBatch {

  private final List<Precondition> preconditions;
  private final List<Mutation> mutations;
  private final long bytes;

  private WriteBatch(List<Precondition> preconditions, List<Mutation> mutations) {
    this.preconditions = List.copyOf(preconditions);
    this.mutations = List.copyOf(mutations);
    long total = 0;
    for (Precondition p : preconditions) {
      total += p.key().length + (p instanceof Precondition.Equals e ? e.value().length : 0);
    }
    for (Mutation m : mutations) {
      total += m.key().length + (m instanceof Mutation.Put put ? put.value().length : 0);
    }
    this.bytes = total;
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Precondition> preconditions() {
    return preconditions;
  }

  public List<Mutation> mutations() {
    return mutations;
  }

  /**
   * The operation count that {@link KvLimits#maxOperations()} bounds: the larger of the number of
   * preconditions and the number of mutations (etcd counts a transaction's compares and its
   * operations separately, and every backend can be described this way).
   */
  public int operationCount() {
    return Math.max(preconditions.size(), mutations.size());
  }

  /** Sum of every key and value in the batch, preconditions included. */
  public long byteSize() {
    return bytes;
  }

  public boolean isEmpty() {
    return preconditions.isEmpty() && mutations.isEmpty();
  }

  @Override
  public String toString() {
    return "WriteBatch{preconditions=" + preconditions + ", mutations=" + mutations + "}";
  }

  /** Collects preconditions and mutations; not thread-safe. */
  public static final class Builder {
    private final List<Precondition> preconditions = new ArrayList<>();
    private final List<Mutation> mutations = new ArrayList<>();

    private Builder() {}

    public Builder requireAbsent(byte[] key) {
      preconditions.add(new Precondition.Absent(key));
      return this;
    }

    public Builder requirePresent(byte[] key) {
      preconditions.add(new Precondition.Present(key));
      return this;
    }

    public Builder requireEquals(byte[] key, byte[] value) {
      preconditions.add(new Precondition.Equals(key, value));
      return this;
    }

    public Builder require(Precondition precondition) {
      preconditions.add(precondition);
      return this;
    }

    public Builder put(byte[] key, byte[] value) {
      mutations.add(new Mutation.Put(key, value));
      return this;
    }

    public Builder delete(byte[] key) {
      mutations.add(new Mutation.Delete(key));
      return this;
    }

    public Builder add(Mutation mutation) {
      mutations.add(mutation);
      return this;
    }

    /** Number of operations so far, counted as {@link WriteBatch#operationCount()} does. */
    public int operationCount() {
      return Math.max(preconditions.size(), mutations.size());
    }

    public WriteBatch build() {
      return new WriteBatch(preconditions, mutations);
    }
  }
}
