package io.fossil.kv.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KeyValue;
import io.fossil.kv.Keys;
import io.fossil.kv.KvStore;
import io.fossil.kv.Precondition;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.kv.mem.MemKvStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The RocksDB store answers "present" preconditions from its table of keys known present ({@link
 * PresentKeys}) without reading them, and "absent" ones above a stream's head, which it learns from
 * reverse scans that race with the writes. Whatever the table holds, outcomes must be exactly those
 * of the in-memory store given the same batches in the same order: appends, deletes of keys the
 * table knows, conditions on values, several batches in one commit group. The table here has two
 * slots, so streams keep taking each other's.
 */
class PresentKeysModelTest {

  private static final AtomicInteger TRIES = new AtomicInteger();
  private static Path dir;
  private static RocksDbKvStore rocks;

  @BeforeContainer
  static void open() throws IOException {
    dir = Files.createTempDirectory("present-keys-model");
    rocks = RocksDbKvStore.open(dir, RocksDbOptions.DEFAULTS.withPresentKeyBytes(128));
  }

  @AfterContainer
  static void close() throws IOException {
    CommitterStats stats = rocks.committerStats();
    rocks.close();
    assertThat(stats.keysKnownPresent())
        .as("present keys answered from the table (else this test proves nothing)")
        .isPositive();
    assertThat(stats.headsLearned()).as("heads learned from the scans").isPositive();
    assertThat(stats.keysKnownAbsent())
        .as("absent keys answered from the table (else this test proves nothing)")
        .isPositive();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A batch to build under a try's own prefix, so tries share one database. */
  private interface Op {
    void addTo(WriteBatch.Builder batch, String prefix);
  }

  @Property(tries = 150)
  void outcomesMatchTheInMemoryStore(@ForAll("rounds") List<List<List<Op>>> rounds) {
    String prefix = "t" + TRIES.incrementAndGet();
    try (KvStore model = MemKvStore.create()) {
      for (List<List<Op>> round : rounds) {
        // A round's batches are submitted together, so they tend to share one commit group.
        List<WriteBatch> batches = new ArrayList<>();
        for (List<Op> ops : round) {
          WriteBatch.Builder b = WriteBatch.builder();
          ops.forEach(op -> op.addTo(b, prefix));
          batches.add(b.build());
        }
        List<CompletableFuture<WriteOutcome>> actual = new ArrayList<>();
        batches.forEach(batch -> actual.add(rocks.write(batch)));
        // Head reads while the round commits: what they teach the table must not outlive a write
        // they raced with.
        for (String stream : List.of("a", "b", "c")) {
          rocks.scan(headRange(prefix, stream, TRIES.get() % 2 == 0), 1, true).join();
        }
        for (int i = 0; i < batches.size(); i++) {
          WriteOutcome expected = model.write(batches.get(i)).join();
          assertThat(describe(actual.get(i).join()))
              .as("batch %s", batches.get(i))
              .isEqualTo(describe(expected));
        }
      }
      KeyRange all = KeyRange.prefix(TupleKey.of(prefix));
      assertThat(contents(rocks, all)).isEqualTo(contents(model, all));
    }
  }

  @Provide
  Arbitrary<List<List<List<Op>>>> rounds() {
    return batch().list().ofMinSize(1).ofMaxSize(6).list().ofMinSize(1).ofMaxSize(12);
  }

  private Arbitrary<List<Op>> batch() {
    Arbitrary<String> stream = Arbitraries.of("a", "b", "c");
    Arbitrary<Long> position = Arbitraries.longs().between(0, 3);
    Arbitrary<String> value = Arbitraries.of("x", "y");
    // An append: its position absent, the previous one present, then put.
    Arbitrary<Op> append =
        Combinators.combine(stream, position, value)
            .as(
                (s, p, v) ->
                    (b, prefix) -> {
                      b.requireAbsent(key(prefix, s, p));
                      if (p > 0) {
                        b.requirePresent(key(prefix, s, p - 1));
                      }
                      b.put(key(prefix, s, p), v.getBytes());
                    });
    Arbitrary<Op> single =
        Combinators.combine(Arbitraries.integers().between(0, 4), stream, position, value)
            .as(
                (kind, s, p, v) ->
                    (b, prefix) -> {
                      byte[] k = key(prefix, s, p);
                      switch (kind) {
                        case 0 -> b.requirePresent(k);
                        case 1 -> b.requireAbsent(k);
                        case 2 -> b.require(new Precondition.Equals(k, v.getBytes()));
                        case 3 -> b.delete(k);
                        default -> b.put(k, v.getBytes());
                      }
                    });
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, append), net.jqwik.api.Tuple.of(2, single))
        .list()
        .ofMinSize(1)
        .ofMaxSize(3);
  }

  /** A stream's positions alone (empty result: the stream is empty), or its whole prefix. */
  private static KeyRange headRange(String prefix, String stream, boolean positionsOnly) {
    return positionsOnly
        ? KeyRange.of(
            key(prefix, stream, Long.MIN_VALUE),
            Keys.successor(key(prefix, stream, Long.MAX_VALUE)))
        : KeyRange.prefix(TupleKey.of(prefix, stream));
  }

  private static byte[] key(String prefix, String stream, long position) {
    return TupleKey.of(prefix, stream, position);
  }

  private static String describe(WriteOutcome outcome) {
    if (outcome instanceof WriteOutcome.PreconditionFailed failed) {
      return "failed " + failed.keys().stream().map(Keys::toString).toList();
    }
    return outcome.getClass().getSimpleName();
  }

  private static List<String> contents(KvStore store, KeyRange range) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : store.scan(range, 10_000, false).join().entries()) {
      out.add(Keys.toString(kv.key()) + "=" + new String(kv.value()));
    }
    return out;
  }
}
