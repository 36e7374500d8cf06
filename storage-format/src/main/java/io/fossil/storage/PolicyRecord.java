package io.fossil.storage;

import io.fossil.kv.TupleKey;
import java.util.List;

/**
 * The value of {@link Keyspace#policyKey}: placement policy that every voter must apply alike and
 * that no node's flags may change later (ADR 29): how many nodes a new cluster waits for before it
 * assigns its ring. Written once, by the first node that starts.
 *
 * <p>Immutable. {@link #decode} throws an unchecked exception for bytes that are not a record.
 */
public record PolicyRecord(long expectedNodes) {

  public byte[] encode() {
    return TupleKey.of(expectedNodes);
  }

  public static PolicyRecord decode(byte[] value) {
    List<Object> fields = TupleKey.decode(value);
    return new PolicyRecord((Long) fields.get(0));
  }
}
