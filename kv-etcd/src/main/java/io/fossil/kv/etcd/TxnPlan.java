package io.fossil.kv.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.fossil.kv.KvException;
import io.fossil.kv.Mutation;
import io.fossil.kv.Precondition;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link WriteBatch} as one etcd transaction, and the reading of its reply.
 *
 * <ul>
 *   <li>If: {@code version == 0} for Absent, {@code version > 0} for Present, {@code value ==} for
 *       Equals (etcd fails a value compare on a missing key, as Equals must).
 *   <li>Then: the mutations, the last one per key only. etcd refuses two writes to one key in a
 *       transaction; keeping the last is what "a later mutation of the same key wins" means.
 *   <li>Else: one read per distinct precondition key (the value where an Equals needs it, the count
 *       otherwise). They run at the same revision as the compares, so the reply says exactly which
 *       preconditions failed, from one atomic snapshot, at no extra round trip.
 * </ul>
 *
 * Immutable and thread-safe once built.
 */
final class TxnPlan {

  private static final byte[] PRESENT = new byte[0];

  private final List<Precondition> preconditions;
  private final Cmp[] compares;
  private final Op[] mutations;
  private final Op[] reads;
  private final List<ByteBuffer> readKeys;
  private final List<Boolean> readsValue;

  private TxnPlan(
      List<Precondition> preconditions,
      Cmp[] compares,
      Op[] mutations,
      Op[] reads,
      List<ByteBuffer> readKeys,
      List<Boolean> readsValue) {
    this.preconditions = preconditions;
    this.compares = compares;
    this.mutations = mutations;
    this.reads = reads;
    this.readKeys = readKeys;
    this.readsValue = readsValue;
  }

  static TxnPlan of(WriteBatch batch, Namespace namespace) {
    List<Precondition> preconditions = batch.preconditions();
    Cmp[] compares = new Cmp[preconditions.size()];
    Map<ByteBuffer, Boolean> needsValue = new LinkedHashMap<>();
    for (int i = 0; i < compares.length; i++) {
      Precondition p = preconditions.get(i);
      ByteSequence key = namespace.key(p.key());
      boolean equals = p instanceof Precondition.Equals;
      if (p instanceof Precondition.Absent) {
        compares[i] = new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0));
      } else if (p instanceof Precondition.Present) {
        compares[i] = new Cmp(key, Cmp.Op.GREATER, CmpTarget.version(0));
      } else {
        Precondition.Equals e = (Precondition.Equals) p;
        compares[i] = new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(ByteSequence.from(e.value())));
      }
      needsValue.merge(ByteBuffer.wrap(p.key()), equals, Boolean::logicalOr);
    }

    Map<ByteBuffer, Mutation> last = new LinkedHashMap<>();
    for (Mutation m : batch.mutations()) {
      ByteBuffer k = ByteBuffer.wrap(m.key());
      last.remove(k);
      last.put(k, m);
    }
    List<Op> mutations = new ArrayList<>(last.size());
    for (Mutation m : last.values()) {
      ByteSequence key = namespace.key(m.key());
      mutations.add(
          m instanceof Mutation.Put put
              ? Op.put(key, ByteSequence.from(put.value()), PutOption.DEFAULT)
              : Op.delete(key, DeleteOption.DEFAULT));
    }

    GetOption countOnly = GetOption.builder().withCountOnly(true).build();
    List<Op> reads = new ArrayList<>(needsValue.size());
    List<ByteBuffer> readKeys = new ArrayList<>(needsValue.size());
    List<Boolean> readsValue = new ArrayList<>(needsValue.size());
    needsValue.forEach(
        (k, value) -> {
          byte[] key = new byte[k.remaining()];
          k.duplicate().get(key);
          reads.add(Op.get(namespace.key(key), value ? GetOption.DEFAULT : countOnly));
          readKeys.add(k);
          readsValue.add(value);
        });
    return new TxnPlan(
        preconditions,
        compares,
        mutations.toArray(Op[]::new),
        reads.toArray(Op[]::new),
        List.copyOf(readKeys),
        List.copyOf(readsValue));
  }

  /** Fills {@code txn} with the compares, the mutations and the failure reads. */
  Txn applyTo(Txn txn) {
    return txn.If(compares).Then(mutations).Else(reads);
  }

  /**
   * The outcome etcd's reply stands for. A transaction that did not succeed applied nothing, so
   * when its snapshot unexpectedly shows no failed precondition this throws {@link KvException}
   * (certainly not applied) rather than guessing.
   */
  WriteOutcome outcome(TxnResponse response) {
    if (response.isSucceeded()) {
      return WriteOutcome.COMMITTED;
    }
    List<GetResponse> got = response.getGetResponses();
    if (got.size() != readKeys.size()) {
      throw new KvException(
          "etcd refused the batch but answered "
              + got.size()
              + " of its "
              + readKeys.size()
              + " precondition reads");
    }
    Map<ByteBuffer, byte[]> current = new HashMap<>();
    for (int i = 0; i < got.size(); i++) {
      GetResponse r = got.get(i);
      byte[] value;
      if (readsValue.get(i)) {
        value = r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().getBytes();
      } else {
        value = r.getCount() > 0 ? PRESENT : null;
      }
      current.put(readKeys.get(i), value);
    }
    List<byte[]> failed = new ArrayList<>();
    for (Precondition p : preconditions) {
      if (!p.holds(current.get(ByteBuffer.wrap(p.key())))) {
        failed.add(p.key());
      }
    }
    if (failed.isEmpty()) {
      throw new KvException(
          "etcd refused the batch, yet every precondition holds in the snapshot it returned");
    }
    return new WriteOutcome.PreconditionFailed(failed);
  }
}
