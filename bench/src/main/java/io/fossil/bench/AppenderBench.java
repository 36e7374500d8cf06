package io.fossil.bench;

import io.fossil.kv.KvStore;
import io.fossil.kv.rocksdb.CommitterStats;
import io.fossil.kv.rocksdb.RocksDbKvStore;
import io.fossil.owner.AppendRequest;
import io.fossil.owner.AppendResult;
import io.fossil.owner.ProposedEvent;
import io.fossil.owner.SegmentAppender;
import io.fossil.position.SegmentId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Appends through one {@link SegmentAppender} in this process: closed loop, each client keeping one
 * single-event append in flight. {@code warm}: every stream was appended to before, so heads are
 * cached; {@code cold}: every append goes to a stream never seen (a head read per append).
 */
@Command(
    name = "appender",
    mixinStandardHelpOptions = true,
    description = "Segment owner append throughput and latency, in process.",
    footer = {
      "",
      "On rocksdb:, each cell also reports RocksDB's stalls, compaction debt and memory, the cores"
          + " each thread used, and where the commit thread's time went per append. Run the JVM"
          + " with -Dfossil.rocksdb.perf=true to add RocksDB's perf context for the commit thread"
          + " (memtable and SST lookups, Bloom filters, searches inside blocks, block reads, WAL"
          + " and memtable writes)."
    })
final class AppenderBench implements Callable<Integer> {

  @Mixin CellOptions cell;

  @Spec CommandSpec spec;

  @Option(
      names = "--clients",
      split = ",",
      defaultValue = "1,8,64,256",
      description = "Concurrent appends.")
  List<Integer> clients;

  @Option(
      names = "--streams",
      split = ",",
      defaultValue = "1000",
      description = "Streams (warm mode).")
  List<Integer> streams;

  @Option(names = "--mode", split = ",", defaultValue = "warm,cold", description = "warm, cold.")
  List<String> modes;

  @Option(
      names = "--settle",
      description =
          "On rocksdb:, after priming, wait (up to 10 min) until RocksDB has no flush or compaction"
              + " pending or running, so the cell measures the stream count, not the bulk load.")
  boolean settle;

  @Option(
      names = "--prime-events",
      description =
          "Warm mode: events written while priming, spread evenly over the streams (default: one"
              + " per stream). Give every stream count the same figure to compare stream counts on"
              + " stores holding the same amount of data.")
  Long primeEvents;

  @Option(
      names = "--fresh-store",
      description =
          "Run each cell on its own fresh rocksdb: store in a temporary directory, instead of"
              + " running every cell on one store (where a cell inherits what the cells before it"
              + " wrote). Not with --store.")
  boolean freshStore;

  @Option(
      names = "--rocksdb-options",
      description =
          "With --fresh-store: the options each fresh store's URI gets, e.g. writeBuffer=32m"
              + " (see the rocksdb: store URI).")
  String rocksDbOptions;

  @Option(
      names = "--ids",
      description =
          "Every event carries an id (random, never repeated), so each append also reads, checks"
              + " and writes an event id key and hashes its payload (ADR 0013).")
  boolean ids;

  private long nextSeq = System.currentTimeMillis() * 1000;

  @Override
  public Integer call() throws Exception {
    if (freshStore && cell.store != null) {
      throw new ParameterException(
          spec.commandLine(), "--fresh-store opens its own stores: drop --store");
    }
    if (rocksDbOptions != null && !freshStore) {
      throw new ParameterException(
          spec.commandLine(),
          "--rocksdb-options is for the stores --fresh-store opens; put options in --store's URI");
    }
    try (BenchStore shared = freshStore ? null : BenchStore.open(cell.store)) {
      System.out.printf(
          "# appender bench: %s, %d s per cell after %d s warm-up, 1 event of 256-400 bytes%s per append, %d cores%n%n",
          shared == null
              ? "a fresh rocksdb: store per cell"
                  + (rocksDbOptions == null ? "" : " (?" + rocksDbOptions + ")")
              : shared.uri,
          cell.seconds,
          cell.warmup,
          ids ? " with an id" : "",
          Runtime.getRuntime().availableProcessors());
      System.out.println("| mode | streams | clients | appends/s | p50 ms | p99 ms |");
      System.out.println("|---|---:|---:|---:|---:|---:|");
      for (String mode : modes) {
        for (int n : mode.equals("cold") ? List.of(0) : streams) {
          for (int c : clients) {
            if (shared != null) {
              runCell(shared.kv, mode, n, c);
            } else {
              try (BenchStore own = BenchStore.openFresh(rocksDbOptions)) {
                runCell(own.kv, mode, n, c);
              }
            }
          }
        }
      }
      System.out.println();
      notes.forEach(System.out::println);
    }
    return 0;
  }

  private void runCell(KvStore kv, String mode, int streamCount, int clientCount) throws Exception {
    long seq = nextSeq++;
    SegmentAppender appender =
        new SegmentAppender(
            kv,
            new SegmentId(seq, 0, -1L),
            seq,
            1,
            List.of(),
            Long.MAX_VALUE / 2,
            SegmentAppender.Config.DEFAULT,
            Clock.systemUTC(),
            System::nanoTime);
    appender.start().get(60, TimeUnit.SECONDS);
    String prefix = "b" + seq + "-";
    if (mode.equals("warm")) {
      prime(appender, prefix, streamCount, primeEvents == null ? streamCount : primeEvents, ids);
    }
    RocksDbKvStore rocks = kv instanceof RocksDbKvStore r ? r : null;
    if (rocks != null && settle) {
      settle(rocks);
    }
    double stallBefore = rocks == null ? 0 : stallSeconds(rocks);
    String pendingBefore = rocks == null ? "" : pendingCompactionMiB(rocks);
    Recorder latency = new Recorder(3);
    AtomicLong done = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    AtomicLong fresh = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<CompletableFuture<Void>> finished = new ArrayList<>();
    for (int c = 0; c < clientCount; c++) {
      SplittableRandom random = new SplittableRandom(seq * 31 + c);
      CompletableFuture<Void> f = new CompletableFuture<>();
      finished.add(f);
      loop(
          appender,
          mode,
          prefix,
          streamCount,
          ids,
          random,
          latency,
          done,
          failures,
          fresh,
          stop,
          f);
    }
    TimeUnit.SECONDS.sleep(cell.warmup); // a fixed warm-up period, not a wait for a condition
    System.err.printf(
        Locale.ROOT,
        "  measuring %s, %,d streams, %d clients for %d s%n",
        mode,
        streamCount,
        clientCount,
        cell.seconds);
    latency.reset();
    long d0 = done.get();
    ThreadCpu cpu0 = ThreadCpu.now();
    CommitterStats committer0 = rocks == null ? null : rocks.committerStats();
    Map<String, Long> perf0 = rocks == null ? Map.of() : rocks.commitThreadPerf();
    long t0 = System.nanoTime();
    TimeUnit.SECONDS.sleep(cell.seconds);
    long elapsed = System.nanoTime() - t0;
    long d1 = done.get();
    String cores = ThreadCpu.now().coresSince(cpu0, elapsed / 1e9);
    CommitterStats committer = rocks == null ? null : rocks.committerStats().since(committer0);
    Map<String, Long> perf1 = rocks == null ? Map.of() : rocks.commitThreadPerf();
    var h = latency.getIntervalHistogram();
    stop.set(true);
    for (CompletableFuture<Void> f : finished) {
      f.get(60, TimeUnit.SECONDS);
    }
    appender.close();
    if (rocks != null) {
      notes.add(
          String.format(
              Locale.ROOT,
              "- %s, %,d streams, %d clients: RocksDB write stalls %.2f s of the %.0f s measured;"
                  + " compaction debt %s MiB at the start, %s at the end; block cache %s MiB;"
                  + " filter and index blocks %s MiB;"
                  + " cores by thread: %s; %s",
              mode,
              streamCount,
              clientCount,
              stallSeconds(rocks) - stallBefore,
              elapsed / 1e9,
              pendingBefore,
              pendingCompactionMiB(rocks),
              mib(rocks, "rocksdb.block-cache-usage"),
              mib(rocks, "rocksdb.estimate-table-readers-mem"),
              cores,
              commitThreadPer("append", committer, d1 - d0)));
      if (!perf1.isEmpty()) {
        notes.add("  RocksDB perf context per append: " + perfPerAppend(perf0, perf1, d1 - d0));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %d | %,.0f | %.2f | %.2f |%s%n",
        mode,
        mode.equals("cold") ? "new per append" : String.format(Locale.ROOT, "%,d", streamCount),
        clientCount,
        (d1 - d0) / (elapsed / 1e9),
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        failures.get() > 0 ? " " + failures.get() + " unexpected results" : "");
  }

  private final List<String> notes = new ArrayList<>();

  /** Each perf-context counter's growth, divided by the appends in the window. */
  private static String perfPerAppend(
      Map<String, Long> before, Map<String, Long> after, long appends) {
    return after.entrySet().stream()
        .map(
            e ->
                String.format(
                    Locale.ROOT,
                    "%s %.2f",
                    e.getKey(),
                    (e.getValue() - before.getOrDefault(e.getKey(), 0L))
                        / (double) Math.max(1, appends)))
        .collect(Collectors.joining(", "));
  }

  /** The commit thread's time per {@code unit} (append, event), by step, in microseconds. */
  static String commitThreadPer(String unit, CommitterStats s, long count) {
    double n = Math.max(1, count) * 1000.0;
    return String.format(
        Locale.ROOT,
        "commit thread µs per %1$s: read %2$.2f, check %3$.2f, write %4$.2f, callbacks %5$.2f"
            + " (%6$.1f %1$ss per disk write; precondition keys per %1$s read: %7$.2f, known"
            + " present without reading: %8$.2f, known absent: %9$.2f; heads learned: %10$.2f)",
        unit,
        s.readNanos() / n,
        s.checkNanos() / n,
        s.writeNanos() / n,
        s.completeNanos() / n,
        count / (double) Math.max(1, s.diskWrites()),
        s.keysRead() / (double) Math.max(1, count),
        s.keysKnownPresent() / (double) Math.max(1, count),
        s.keysKnownAbsent() / (double) Math.max(1, count),
        s.headsLearned() / (double) Math.max(1, count));
  }

  /** Waits until RocksDB has no flush or compaction pending or running, printing progress. */
  private static void settle(RocksDbKvStore rocks) throws InterruptedException {
    long started = System.nanoTime();
    long deadline = started + TimeUnit.MINUTES.toNanos(10);
    long lastReport = started;
    while (System.nanoTime() < deadline) {
      boolean busy =
          Stream.of(
                  "rocksdb.compaction-pending",
                  "rocksdb.num-running-compactions",
                  "rocksdb.mem-table-flush-pending",
                  "rocksdb.num-running-flushes")
              .anyMatch(p -> !rocks.property(p).orElse("0").equals("0"));
      if (!busy) {
        System.err.printf(
            Locale.ROOT,
            "  settled: RocksDB idle after %.1f s%n",
            (System.nanoTime() - started) / 1e9);
        return;
      }
      if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
        lastReport = System.nanoTime();
        System.err.printf(
            Locale.ROOT,
            "  settling: %.0f s, compaction debt %s MiB%n",
            (lastReport - started) / 1e9,
            pendingCompactionMiB(rocks));
      }
      TimeUnit.MILLISECONDS.sleep(200); // polling RocksDB's properties; bounded by the deadline
    }
    System.err.println("  settling: RocksDB still busy after 10 min, measuring anyway");
  }

  private static final Pattern CUMULATIVE_STALL =
      Pattern.compile("Cumulative stall: (\\d+):(\\d+):([0-9.]+) H:M:S");

  /** Time writes were stalled or slowed since the database opened ({@code rocksdb.dbstats}). */
  private static double stallSeconds(RocksDbKvStore rocks) {
    Matcher m = CUMULATIVE_STALL.matcher(rocks.property("rocksdb.dbstats").orElse(""));
    return m.find()
        ? Integer.parseInt(m.group(1)) * 3600
            + Integer.parseInt(m.group(2)) * 60
            + Double.parseDouble(m.group(3))
        : Double.NaN;
  }

  private static String pendingCompactionMiB(RocksDbKvStore rocks) {
    return mib(rocks, "rocksdb.estimate-pending-compaction-bytes");
  }

  /** A RocksDB size property in MiB, or "?". */
  private static String mib(RocksDbKvStore rocks, String property) {
    return rocks.property(property).map(b -> String.valueOf(Long.parseLong(b) >> 20)).orElse("?");
  }

  /**
   * Appends {@code events} events (at least one to every stream, so that every head is cached),
   * round robin over the streams, 256 in flight, printing progress on long primes.
   */
  private static void prime(
      SegmentAppender appender, String prefix, int streamCount, long events, boolean ids)
      throws Exception {
    long total = Math.max(events, streamCount);
    long started = System.nanoTime();
    long lastReport = started;
    List<CompletableFuture<AppendResult>> wave = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(streamCount);
    for (long i = 0; i < total; i++) {
      wave.add(appender.append(request(prefix + (i % streamCount), ids, random)));
      if (wave.size() == 256 || i == total - 1) {
        CompletableFuture.allOf(wave.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        for (CompletableFuture<AppendResult> f : wave) {
          if (!(f.join() instanceof AppendResult.Appended)) {
            throw new IllegalStateException("priming append not appended: " + f.join());
          }
        }
        wave.clear();
        if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
          lastReport = System.nanoTime();
          System.err.printf(
              Locale.ROOT,
              "  priming: %,d of %,d events after %.0f s%n",
              i + 1,
              total,
              (lastReport - started) / 1e9);
        }
      }
    }
  }

  private static AppendRequest request(String stream, boolean ids, SplittableRandom random) {
    byte[] data = new byte[256 + random.nextInt(145)];
    random.nextBytes(data);
    // 128 random bits: ids never repeat, so every append is new.
    String id =
        ids
            ? Long.toHexString(random.nextLong()) + "-" + Long.toHexString(random.nextLong())
            : null;
    return new AppendRequest(
        stream, AppendRequest.ANY, List.of(new ProposedEvent(id, "Measured", data, null)));
  }

  private static void loop(
      SegmentAppender appender,
      String mode,
      String prefix,
      int streamCount,
      boolean ids,
      SplittableRandom random,
      Recorder latency,
      AtomicLong done,
      AtomicLong failures,
      AtomicLong fresh,
      AtomicBoolean stop,
      CompletableFuture<Void> finished) {
    if (stop.get()) {
      finished.complete(null);
      return;
    }
    String stream =
        mode.equals("cold")
            ? prefix + "new-" + fresh.incrementAndGet()
            : prefix + random.nextInt(streamCount);
    long start = System.nanoTime();
    appender
        .append(request(stream, ids, random))
        .whenComplete(
            (r, e) -> {
              latency.recordValue((System.nanoTime() - start) / 1000);
              if (r instanceof AppendResult.Appended) {
                done.incrementAndGet();
              } else {
                failures.incrementAndGet();
              }
              loop(
                  appender,
                  mode,
                  prefix,
                  streamCount,
                  ids,
                  random,
                  latency,
                  done,
                  failures,
                  fresh,
                  stop,
                  finished);
            });
  }
}
