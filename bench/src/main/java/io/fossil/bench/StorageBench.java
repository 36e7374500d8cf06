package io.fossil.bench;

import io.fossil.kv.KvStore;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.kv.rocksdb.CommitterStats;
import io.fossil.kv.rocksdb.RocksDbKvStore;
import io.fossil.storage.Keyspace;
import io.fossil.storage.StreamIndex;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Raw-storage ceiling: conditional batch writes through the SPI, closed loop, each writer keeping
 * one batch in flight. Two shapes: {@code single} (per event one key, put if absent) and {@code
 * append} (per event the three keys an append writes, with the preconditions the segment owner will
 * use: segment not sealed, stream-index key absent, previous position present, id absent).
 */
@Command(
    name = "storage",
    mixinStandardHelpOptions = true,
    description = "Conditional batch write throughput and latency of a storage backend.")
final class StorageBench implements Callable<Integer> {

  @Mixin CellOptions cell;

  @Option(
      names = "--batch",
      split = ",",
      defaultValue = "1,10,100",
      description = "Events per batch.")
  List<Integer> batchSizes;

  @Option(
      names = "--writers",
      split = ",",
      defaultValue = "1,8,64",
      description = "Concurrent writers.")
  List<Integer> writers;

  @Option(
      names = "--shape",
      split = ",",
      defaultValue = "single,append",
      description = "single, append.")
  List<String> shapes;

  @Option(names = "--event-bytes", defaultValue = "300", description = "Event record size.")
  int eventBytes;

  @Option(names = "--streams", defaultValue = "10000", description = "Streams per writer (append).")
  int streamsPerWriter;

  @Option(
      names = "--prime",
      description =
          "append: before the warm-up, write position 0 of every stream, so that every measured"
              + " event checks that its predecessor is present (the appender bench's warm mode).")
  boolean prime;

  private final AtomicLong runIds = new AtomicLong();

  @Override
  public Integer call() throws Exception {
    try (BenchStore opened = BenchStore.open(cell.store)) {
      String uri = opened.uri;
      KvStore kv = opened.kv;
      System.out.printf(
          "# storage bench: %s, %d s per cell after %d s warm-up, %d-byte events, %d cores%n%n",
          uri, cell.seconds, cell.warmup, eventBytes, Runtime.getRuntime().availableProcessors());
      System.out.println(
          "| shape | events/batch | writers | events/s | batches/s | p50 ms | p99 ms | batches per disk write |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
      for (String shape : shapes) {
        for (int batch : batchSizes) {
          if (!fits(kv, shape, batch)) {
            System.out.printf(
                "| %s | %d | - | exceeds the backend's %d operations per batch | | | | |%n",
                shape, batch, kv.limits().maxOperations());
            continue;
          }
          for (int w : writers) {
            runCell(kv, shape, batch, w);
          }
        }
      }
    }
    return 0;
  }

  private static boolean fits(KvStore kv, String shape, int batch) {
    int ops = shape.equals("append") ? 3 * batch + 1 : batch;
    return ops <= kv.limits().maxOperations();
  }

  private void runCell(KvStore kv, String shape, int batch, int writerCount) throws Exception {
    long run = runIds.incrementAndGet();
    Recorder latency = new Recorder(3);
    AtomicLong events = new AtomicLong();
    AtomicLong batches = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Writer> all = new ArrayList<>();
    for (int w = 0; w < writerCount; w++) {
      all.add(new Writer(kv, shape, batch, run, w, latency, events, batches, failures, stop));
    }
    if (prime && shape.equals("append")) {
      long started = System.nanoTime();
      CompletableFuture.allOf(all.stream().map(Writer::prime).toArray(CompletableFuture[]::new))
          .get(30, TimeUnit.MINUTES);
      System.err.printf(
          Locale.ROOT,
          "  primed %,d streams in %.1f s%n",
          (long) writerCount * streamsPerWriter,
          (System.nanoTime() - started) / 1e9);
    }
    all.forEach(Writer::next);
    TimeUnit.SECONDS.sleep(cell.warmup); // a fixed warm-up period, not a wait for a condition
    latency.reset();
    long e0 = events.get();
    long b0 = batches.get();
    RocksDbKvStore rocks = kv instanceof RocksDbKvStore r ? r : null;
    CommitterStats committer0 = rocks == null ? null : rocks.committerStats();
    long t0 = System.nanoTime();
    TimeUnit.SECONDS.sleep(cell.seconds);
    long elapsed = System.nanoTime() - t0;
    long e1 = events.get();
    long b1 = batches.get();
    CommitterStats committer = rocks == null ? null : rocks.committerStats().since(committer0);
    var histogram = latency.getIntervalHistogram();
    stop.set(true);
    for (Writer w : all) {
      w.done.get(60, TimeUnit.SECONDS);
    }
    double secs = elapsed / 1e9;
    String perDisk =
        committer != null && committer.diskWrites() > 0
            ? String.format(Locale.ROOT, "%.1f", (b1 - b0) / (double) committer.diskWrites())
            : "n/a";
    System.out.printf(
        Locale.ROOT,
        "| %s | %d | %d | %,.0f | %,.0f | %.2f | %.2f | %s |%s%n",
        shape,
        batch,
        writerCount,
        (e1 - e0) / secs,
        (b1 - b0) / secs,
        histogram.getValueAtPercentile(50) / 1000.0,
        histogram.getValueAtPercentile(99) / 1000.0,
        perDisk,
        failures.get() > 0 ? " " + failures.get() + " unexpected outcomes" : "");
    if (committer != null) {
      // Per event: with one event per batch, the same figure the appender bench gives per append.
      System.err.println("  " + AppenderBench.commitThreadPer("event", committer, e1 - e0));
    }
  }

  /** One closed-loop writer: issues the next batch from the completion of the previous one. */
  private final class Writer {
    private final KvStore kv;
    private final String shape;
    private final int batch;
    private final long run;
    private final int id;
    private final Recorder latency;
    private final AtomicLong events;
    private final AtomicLong batches;
    private final AtomicLong failures;
    private final AtomicBoolean stop;
    private final long[] heads;
    private final SplittableRandom random;
    private final byte[] payload;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private long counter;
    private int primed;

    Writer(
        KvStore kv,
        String shape,
        int batch,
        long run,
        int id,
        Recorder latency,
        AtomicLong events,
        AtomicLong batches,
        AtomicLong failures,
        AtomicBoolean stop) {
      this.kv = kv;
      this.shape = shape;
      this.batch = batch;
      this.run = run;
      this.id = id;
      this.latency = latency;
      this.events = events;
      this.batches = batches;
      this.failures = failures;
      this.stop = stop;
      this.heads = new long[streamsPerWriter];
      java.util.Arrays.fill(heads, -1);
      this.random = new SplittableRandom(run * 1_000_003L + id);
      this.payload = new byte[eventBytes];
      random.nextBytes(payload);
    }

    void next() {
      if (stop.get()) {
        done.complete(null);
        return;
      }
      WriteBatch b =
          shape.equals("append")
              ? appendBatch(batch, () -> random.nextInt(heads.length))
              : singleKeyBatch();
      long start = System.nanoTime();
      kv.write(b)
          .whenComplete(
              (outcome, error) -> {
                latency.recordValue((System.nanoTime() - start) / 1000);
                if (error == null && outcome instanceof WriteOutcome.Committed) {
                  events.addAndGet(batch);
                  batches.incrementAndGet();
                } else {
                  failures.incrementAndGet();
                }
                next();
              });
    }

    /** Writes position 0 of each of this writer's streams, up to 100 per batch. */
    CompletableFuture<Void> prime() {
      int from = primed;
      if (from == heads.length) {
        return CompletableFuture.completedFuture(null);
      }
      int to = Math.min(heads.length, from + 100);
      primed = to;
      int[] next = {from};
      WriteBatch b = appendBatch(to - from, () -> next[0]++);
      return kv.write(b)
          .thenCompose(
              outcome -> {
                if (!(outcome instanceof WriteOutcome.Committed)) {
                  throw new IllegalStateException("priming failed: " + outcome);
                }
                return prime();
              });
    }

    private WriteBatch singleKeyBatch() {
      WriteBatch.Builder b = WriteBatch.builder();
      for (int i = 0; i < batch; i++) {
        byte[] key = TupleKey.of("bench", run, id, counter++);
        b.requireAbsent(key).put(key, payload);
      }
      return b.build();
    }

    /**
     * The keys and preconditions of the storage format ({@link Keyspace}), one segment per writer.
     * Event values are the raw payload, not an encoded record: this measures the store.
     */
    private WriteBatch appendBatch(int events, IntSupplier streams) {
      long segment = (run << 20) | id;
      WriteBatch.Builder b = WriteBatch.builder();
      b.requireAbsent(Keyspace.sealKey(segment));
      Set<Integer> inBatch = new HashSet<>();
      for (int i = 0; i < events; i++) {
        int s = streams.getAsInt();
        String stream = "bench" + run + "-" + id + "-" + s;
        long position = ++heads[s];
        long c = counter++;
        byte[] indexKey = Keyspace.indexKey(stream, position);
        byte[] idKey = Keyspace.idKey(stream, "evt-" + run + "." + id + "-" + c);
        b.requireAbsent(indexKey).requireAbsent(idKey);
        // Only a stream's first event in the batch needs its predecessor already stored.
        boolean firstInBatch = inBatch.add(s);
        if (position > 0 && firstInBatch) {
          b.requirePresent(Keyspace.indexKey(stream, position - 1));
        }
        b.put(Keyspace.eventKey(segment, c), payload);
        b.put(indexKey, StreamIndex.indexValue(segment, c));
        b.put(idKey, StreamIndex.idValue(position, position, 0x5eedL, 0x5eedL));
      }
      return b.build();
    }
  }
}
