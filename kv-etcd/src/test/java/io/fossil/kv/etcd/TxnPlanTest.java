package io.fossil.kv.etcd;

import static io.fossil.kv.etcd.EtcdKvStoreTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Txn;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.fossil.kv.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TxnPlanTest {

  private final Namespace namespace = new Namespace(bytes("ns/"));

  @Test
  void onlyTheLastMutationOfAKeyIsSentAndEachPreconditionKeyIsReadOnce() {
    WriteBatch batch =
        WriteBatch.builder()
            .requireAbsent(bytes("a"))
            .requireEquals(bytes("a"), bytes("1"))
            .requirePresent(bytes("b"))
            .put(bytes("x"), bytes("1"))
            .delete(bytes("x"))
            .put(bytes("y"), bytes("1"))
            .put(bytes("y"), bytes("2"))
            .build();
    Recorder txn = new Recorder();
    TxnPlan.of(batch, namespace).applyTo(txn);

    assertThat(txn.compares).hasSize(3);
    assertThat(txn.success).hasSize(2);
    assertThat(txn.failure).hasSize(2);
    TxnRequest request = txn.request();
    assertThat(request.getCompare(0).getKey().toStringUtf8()).isEqualTo("ns/a");
    assertThat(request.getSuccess(0).hasRequestDeleteRange()).isTrue();
    assertThat(request.getSuccess(0).getRequestDeleteRange().getKey().toStringUtf8())
        .isEqualTo("ns/x");
    assertThat(request.getSuccess(1).getRequestPut().getValue().toStringUtf8()).isEqualTo("2");
    // "a" has an Equals, so its value is read; "b" only needs to exist.
    assertThat(request.getFailure(0).getRequestRange().getCountOnly()).isFalse();
    assertThat(request.getFailure(1).getRequestRange().getCountOnly()).isTrue();
  }

  /** Collects what the plan puts into a transaction, as jetcd would encode it. */
  private static final class Recorder implements Txn {
    final List<Cmp> compares = new ArrayList<>();
    final List<Op> success = new ArrayList<>();
    final List<Op> failure = new ArrayList<>();

    @Override
    public Txn If(Cmp... cmps) {
      compares.addAll(Arrays.asList(cmps));
      return this;
    }

    @Override
    public Txn Then(Op... ops) {
      success.addAll(Arrays.asList(ops));
      return this;
    }

    @Override
    public Txn Else(Op... ops) {
      failure.addAll(Arrays.asList(ops));
      return this;
    }

    @Override
    public CompletableFuture<TxnResponse> commit() {
      throw new UnsupportedOperationException();
    }

    TxnRequest request() {
      CompletableFuture<TxnRequest> captured = new CompletableFuture<>();
      io.etcd.jetcd.op.TxnImpl.newTxn(
              r -> {
                captured.complete(r);
                return new CompletableFuture<>();
              },
              io.etcd.jetcd.ByteSequence.EMPTY)
          .If(compares.toArray(Cmp[]::new))
          .Then(success.toArray(Op[]::new))
          .Else(failure.toArray(Op[]::new))
          .commit();
      return captured.join();
    }
  }
}
