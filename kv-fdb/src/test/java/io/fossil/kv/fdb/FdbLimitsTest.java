package io.fossil.kv.fdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.BatchSplitter;
import io.fossil.kv.KvLimitExceededException;
import io.fossil.kv.KvLimits;
import io.fossil.kv.Mutation;
import io.fossil.kv.Precondition;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FdbLimitsTest {

  private static final int PREFIX = 8; // "fossil" as a tuple string
  private static final int MAX_PREFIX = FdbLimits.MAX_PREFIX_BYTES;
  private final KvLimits limits = FdbLimits.forPrefix(PREFIX);

  @Test
  void limitsFollowFoundationDbsOwn() {
    assertThat(limits.maxOperations()).isEqualTo(10_000);
    assertThat(limits.maxBatchBytes()).isEqualTo(1_000_000);
    assertThat(limits.maxKeyBytes()).as("10,000 minus the prefix").isEqualTo(9_992);
    assertThat(limits.maxValueBytes()).isEqualTo(100_000);
    assertThat(FdbLimits.forPrefix(MAX_PREFIX).maxKeyBytes()).isEqualTo(10_000 - MAX_PREFIX);
    assertThatThrownBy(() -> FdbLimits.forPrefix(MAX_PREFIX + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FdbLimits.forPrefix(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theWorstCaseBatchStaysWellInsideTheTransactionLimit() {
    long worst = FdbLimits.worstCaseTransactionBytes(FdbLimits.forPrefix(MAX_PREFIX), MAX_PREFIX);
    assertThat(worst).isEqualTo(4 * 1_000_000L + 10_000L * (115 + 6 * MAX_PREFIX));
    assertThat(worst).isEqualTo(8_030_000L).isLessThanOrEqualTo(FdbLimits.TRANSACTION_BUDGET);
    assertThat(FdbLimits.TRANSACTION_BUDGET).isLessThan(FdbLimits.TRANSACTION_SIZE_LIMIT);
  }

  @Test
  void theCostModelCountsWhatFoundationDbCounts() {
    WriteBatch batch =
        WriteBatch.builder()
            .requireAbsent(new byte[] {1, 2}) // read conflict [K, K+0): 32 + 2*10 + 1 = 53
            .put(new byte[] {3}, new byte[100]) // 48 + 9 + 100, and 32 + 2*9 + 1: 157 + 51 = 208
            .delete(new byte[] {4, 5, 6}) // 48 + 2*11 + 1, and 32 + 2*11 + 1: 71 + 55 = 126
            .build();
    assertThat(FdbLimits.transactionBytes(batch, PREFIX)).isEqualTo(53 + 208 + 126);
  }

  @Test
  void adversarialBatchesAtTheLimitsFit() {
    KvLimits tight = FdbLimits.forPrefix(MAX_PREFIX);
    int n = tight.maxOperations();
    int keyBytes = (int) (tight.maxBatchBytes() / (2L * n)); // half the bytes in preconditions
    WriteBatch.Builder deletes = WriteBatch.builder();
    for (int i = 0; i < n; i++) {
      byte[] key = new byte[keyBytes];
      key[0] = (byte) (i >>> 8);
      key[1] = (byte) i;
      deletes.requireEquals(key, new byte[0]).delete(key);
    }
    assertFits(deletes.build(), tight);

    WriteBatch.Builder emptyKeys = WriteBatch.builder();
    for (int i = 0; i < n; i++) {
      emptyKeys.requirePresent(new byte[0]).delete(new byte[0]);
    }
    assertFits(emptyKeys.build(), tight);

    WriteBatch.Builder bigValues = WriteBatch.builder();
    for (int i = 0; i < 9; i++) {
      bigValues.put(TupleKey.of("v", i), new byte[tight.maxValueBytes()]);
    }
    assertFits(bigValues.build(), tight);

    WriteBatch.Builder bigKeys = WriteBatch.builder();
    for (int i = 0; i < 50; i++) {
      byte[] key = new byte[tight.maxKeyBytes()];
      key[0] = (byte) i;
      bigKeys.requireAbsent(key).delete(key);
    }
    assertFits(bigKeys.build(), tight);
  }

  @Property(tries = 200)
  void anyBatchThatPassesTheCheckFitsTheBudget(
      @ForAll @IntRange(min = 0, max = 10_000) int preconditions,
      @ForAll @IntRange(min = 0, max = 10_000) int mutations,
      @ForAll @IntRange(min = 0, max = 200) int keyBytes,
      @ForAll @IntRange(min = 0, max = 2_000) int valueBytes,
      @ForAll @IntRange(min = 1, max = MAX_PREFIX) int prefix,
      @ForAll boolean deletes) {
    KvLimits l = FdbLimits.forPrefix(prefix);
    byte[] key = new byte[keyBytes]; // batches do not copy arrays, so one of each will do
    byte[] value = new byte[valueBytes];
    WriteBatch.Builder b = WriteBatch.builder();
    for (int i = 0; i < preconditions; i++) {
      b.requireAbsent(key);
    }
    for (int i = 0; i < mutations; i++) {
      if (deletes) {
        b.delete(key);
      } else {
        b.put(key, value);
      }
    }
    WriteBatch batch = b.build();
    try {
      l.check(batch);
    } catch (KvLimitExceededException refused) {
      return;
    }
    assertThat(FdbLimits.transactionBytes(batch, prefix))
        .isLessThanOrEqualTo(FdbLimits.worstCaseTransactionBytes(l, prefix))
        .isLessThanOrEqualTo(FdbLimits.TRANSACTION_BUDGET);
  }

  @Test
  void overLimitBatchesAreRefusedNamingTheLimit() {
    assertThatThrownBy(() -> limits.check(put(new byte[limits.maxKeyBytes() + 1], new byte[0])))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining("9992");
    limits.check(put(new byte[limits.maxKeyBytes()], new byte[0]));

    assertThatThrownBy(() -> limits.check(put(new byte[] {1}, new byte[100_001])))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining("100000");
    limits.check(put(new byte[] {1}, new byte[100_000]));

    WriteBatch.Builder ops = WriteBatch.builder();
    for (int i = 0; i <= 10_000; i++) {
      ops.delete(TupleKey.of("k", i));
    }
    assertThatThrownBy(() -> limits.check(ops.build()))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining("10000");

    WriteBatch.Builder bytes = WriteBatch.builder();
    for (int i = 0; i < 10; i++) {
      bytes.put(new byte[] {(byte) i}, new byte[99_999]);
    }
    bytes.put(new byte[] {10}, new byte[0]); // 10 * 100,000 + 1 bytes
    assertThatThrownBy(() -> limits.check(bytes.build()))
        .isInstanceOf(KvLimitExceededException.class)
        .hasMessageContaining("1000000");
  }

  @Test
  void batchSplitterCutsBulkWorkIntoFoundationDbSizedBatches() {
    List<Precondition> fence = List.of(new Precondition.Equals(TupleKey.of("epoch"), new byte[8]));
    List<Mutation> puts = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      puts.add(new Mutation.Put(TupleKey.of("e", i), new byte[100]));
    }
    List<WriteBatch> batches = BatchSplitter.split(fence, puts, limits);
    assertThat(batches).hasSizeGreaterThan(5); // > 5 MB of payload, at most 1 MB each
    List<Mutation> rejoined = new ArrayList<>();
    for (WriteBatch b : batches) {
      assertFits(b, limits);
      assertThat(b.preconditions()).isEqualTo(fence);
      rejoined.addAll(b.mutations());
    }
    assertThat(rejoined).isEqualTo(puts);

    List<Mutation> deletes = new ArrayList<>();
    for (int i = 0; i < 25_000; i++) {
      deletes.add(new Mutation.Delete(TupleKey.of("d", i)));
    }
    assertThat(BatchSplitter.split(List.of(), deletes, limits))
        .as("cut by the operation count")
        .hasSize(3)
        .allSatisfy(b -> assertFits(b, limits));
  }

  @Test
  void batchSplitterRefusesWhatNoFoundationDbBatchCanHold() {
    assertThatThrownBy(
            () ->
                BatchSplitter.split(
                    List.of(),
                    List.of(new Mutation.Put(new byte[] {1}, new byte[100_001])),
                    limits))
        .isInstanceOf(KvLimitExceededException.class);
    assertThatThrownBy(
            () ->
                BatchSplitter.split(
                    List.of(), List.of(new Mutation.Delete(new byte[9_993])), limits))
        .isInstanceOf(KvLimitExceededException.class);
  }

  private static WriteBatch put(byte[] key, byte[] value) {
    return WriteBatch.builder().put(key, value).build();
  }

  private static void assertFits(WriteBatch batch, KvLimits limits) {
    limits.check(batch);
    int prefix = 10_000 - limits.maxKeyBytes();
    assertThat(FdbLimits.transactionBytes(batch, prefix))
        .isLessThanOrEqualTo(FdbLimits.TRANSACTION_BUDGET);
  }
}
