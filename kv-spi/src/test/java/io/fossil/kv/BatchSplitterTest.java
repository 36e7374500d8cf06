package io.fossil.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BatchSplitterTest {

  @Property(tries = 300)
  void everyBatchFitsAndNothingIsLostOrReordered(
      @ForAll @IntRange(min = 0, max = 300) int count,
      @ForAll @IntRange(min = 2, max = 50) int maxOps,
      @ForAll @IntRange(min = 0, max = 40) int valueSize) {
    KvLimits limits = new KvLimits(maxOps, 2_000, 100, 100);
    List<Precondition> common = List.of(new Precondition.Absent(new byte[] {9, 9}));
    List<Mutation> mutations = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      mutations.add(new Mutation.Put(TupleKey.of("m", i), new byte[valueSize]));
    }
    List<WriteBatch> batches = BatchSplitter.split(common, mutations, limits);
    List<Mutation> rejoined = new ArrayList<>();
    for (WriteBatch b : batches) {
      limits.check(b);
      assertThat(b.preconditions()).isEqualTo(common);
      assertThat(b.mutations()).isNotEmpty();
      rejoined.addAll(b.mutations());
    }
    assertThat(rejoined).isEqualTo(mutations);
  }

  @Test
  void aMutationThatCannotFitIsRefused() {
    KvLimits limits = new KvLimits(10, 50, 100, 100);
    List<Mutation> one = List.of(new Mutation.Put(new byte[] {1}, new byte[60]));
    assertThatThrownBy(() -> BatchSplitter.split(List.of(), one, limits))
        .isInstanceOf(KvLimitExceededException.class);
  }
}
