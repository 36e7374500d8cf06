package io.fossil.storage;

import io.fossil.kv.TupleKey;
import java.util.List;

/**
 * The cluster record, the value of {@link Keyspace#clusterKey}: the id of the cluster that owns the
 * store and the highest segment sequence it has reserved (DESIGN invariant 9). A placement group
 * rebuilt from scratch adopts the id and issues sequences above the reserve.
 *
 * <p>Immutable. {@link #decode} throws an unchecked exception for bytes that are not a record.
 */
public record ClusterRecord(String clusterId, long reserved) {

  public byte[] encode() {
    return TupleKey.of(clusterId, reserved);
  }

  public static ClusterRecord decode(byte[] value) {
    List<Object> fields = TupleKey.decode(value);
    return new ClusterRecord((String) fields.get(0), (Long) fields.get(1));
  }
}
