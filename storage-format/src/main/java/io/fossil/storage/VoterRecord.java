package io.fossil.storage;

import io.fossil.kv.TupleKey;
import java.util.List;

/**
 * The value of {@link Keyspace#voterKey}: that a node has had Raft storage for the placement group
 * (ADR 29), with the id of that storage and when it was created. A node that finds its Raft storage
 * empty while this record exists has lost it, and must not start as the voter it was.
 *
 * <p>Immutable. {@link #decode} throws an unchecked exception for bytes that are not a record.
 */
public record VoterRecord(String storageId, long createdMillis) {

  public byte[] encode() {
    return TupleKey.of(storageId, createdMillis);
  }

  public static VoterRecord decode(byte[] value) {
    List<Object> fields = TupleKey.decode(value);
    return new VoterRecord((String) fields.get(0), (Long) fields.get(1));
  }
}
