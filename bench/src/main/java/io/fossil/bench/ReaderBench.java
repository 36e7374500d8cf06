package io.fossil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fossil.compaction.Compactor;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.Segment;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import io.fossil.reader.CursorReader;
import io.fossil.reader.Selection;
import io.fossil.reader.StreamReader;
import io.fossil.server.DevCluster;
import io.fossil.server.Node;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Cursor reads, stream reads and live tails against a real node (one process, real Raft, real
 * HTTP), each cell on a fresh store. Data goes in over HTTP in appends of 10 events to 10,000
 * streams in 100 categories (so one category is 1% of the data); history is made by moving the
 * segment between phases of appends. Reads are measured in process (the node's {@link
 * CursorReader}) and over HTTP ({@code GET /events}), one after the other on the same data.
 */
@Command(
    name = "reader",
    mixinStandardHelpOptions = true,
    description = "Cursor read throughput, category reads, stream read latency, live-tail latency.")
final class ReaderBench implements Callable<Integer> {

  @Option(names = "--events", defaultValue = "100000", description = "Events per cell.")
  int events;

  @Option(
      names = "--cells",
      split = ",",
      defaultValue = "segments:1,segments:32,segments:256,history:100,history:1000",
      description =
          "segments:K (a ring of K, no history), history:H (one segment moved H times) or"
              + " compacted:H[:S] (the same history, compacted before the reads, the pass"
              + " throttled to share S of the time; default: the node's default).")
  List<String> cells;

  @Option(names = "--reps", defaultValue = "3", description = "Repetitions of each read.")
  int reps;

  @Option(
      names = "--store",
      description = "Store URI for the live-tail cell; default: rocksdb: in a temporary directory.")
  String store;

  @Option(names = "--live-seconds", defaultValue = "10", description = "Live-tail cell length.")
  int liveSeconds;

  @Option(names = "--live-rate", defaultValue = "200", description = "Appends/s in the live cell.")
  int liveRate;

  @Option(names = "--skip-live", description = "Do not run the live-tail cell.")
  boolean skipLive;

  @Option(names = "--only-live", description = "Run only the live-tail cell.")
  boolean onlyLive;

  @Option(names = "--port", defaultValue = "18081", description = "First HTTP port to use.")
  int port;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NORMAL)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @Override
  public Integer call() throws Exception {
    System.out.printf(
        "# reader bench: %d events per cell, %d repetitions (median shown), %d cores%n%n",
        events, reps, Runtime.getRuntime().availableProcessors());
    if (!onlyLive) {
      System.out.println(
          "| cell | sealed segments | in-process events/s | HTTP events/s | cursor bytes at end |");
      System.out.println("|---|---:|---:|---:|---:|");
      for (String cell : cells) {
        String[] kv = cell.split(":");
        int segments = kv[0].equals("segments") ? Integer.parseInt(kv[1]) : 1;
        int history = kv[0].equals("segments") ? 0 : Integer.parseInt(kv[1]);
        double share =
            kv.length > 2 ? Double.parseDouble(kv[2]) : Compactor.Options.DEFAULTS.share();
        runCell(cell, segments, history, kv[0].equals("compacted"), share);
      }
      System.out.println();
      notes.forEach(System.out::println);
    }
    if (!skipLive) {
      live();
    }
    return 0;
  }

  private final List<String> notes = new ArrayList<>();

  private void runCell(String name, int segments, int history, boolean compact, double share)
      throws Exception {
    Path dir = Files.createTempDirectory("fossil-reader-bench");
    Compactor.Options compaction = Compactor.Options.DEFAULTS.withShare(share);
    try (DevCluster cluster = start(dir, 1, segments, null, compaction)) {
      Node node = cluster.nodes().get(0);
      String url = cluster.urls().get(0);
      populate(node, url, history);
      int expected = events + 100;
      if (compact) {
        expected += compactUnderLoad(name, node, url);
      }
      long sealed = node.view().segments().stream().filter(s -> !s.isOpen()).count();
      double[] inProcess = new double[reps];
      double[] overHttp = new double[reps];
      int cursorBytes = 0;
      readAll(node, Selection.all(), expected); // warm-up, not measured
      readAllHttp(url, "", expected);
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        Cursor end = readAll(node, Selection.all(), expected);
        inProcess[r] = rate(expected, t0);
        cursorBytes = java.util.Base64.getUrlDecoder().decode(end.encode()).length;
        t0 = System.nanoTime();
        readAllHttp(url, "", expected);
        overHttp[r] = rate(expected, t0);
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %,.0f | %,.0f | %d |%n",
          name,
          sealed,
          median(inProcess),
          median(overHttp),
          cursorBytes);
      if (segments == 32 && history == 0) {
        categoryAndStreamReads(node, url);
      }
    } finally {
      delete(dir);
    }
  }

  /** A 1%-category read next to a whole-store read, and 100-event stream reads. */
  private void categoryAndStreamReads(Node node, String url) throws Exception {
    Selection category = new Selection("c7", null, 0, 1);
    int categoryEvents = walk(node, category).events();
    double[] whole = new double[reps];
    double[] cat = new double[reps];
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      readAll(node, Selection.all(), events + 100);
      whole[r] = (System.nanoTime() - t0) / 1e6;
      t0 = System.nanoTime();
      readAll(node, category, categoryEvents);
      cat[r] = (System.nanoTime() - t0) / 1e6;
    }
    System.out.println();
    System.out.println("| read (32 segments, in process) | events | ms (median) |");
    System.out.println("|---|---:|---:|");
    System.out.printf(Locale.ROOT, "| whole store | %d | %.1f |%n", events + 100, median(whole));
    System.out.printf(
        Locale.ROOT, "| category c7 (1%%) | %d | %.1f |%n", categoryEvents, median(cat));
    System.out.printf(
        Locale.ROOT, "| ratio whole / category | | **%.1f×** |%n", median(whole) / median(cat));

    Histogram local = new Histogram(3);
    Histogram remote = new Histogram(3);
    StreamReader streams = node.reader();
    for (int i = 0; i < 3_000; i++) {
      long t0 = System.nanoTime();
      int n = streams.read("lat-1", 0, 100, true).join().events().size();
      long t1 = System.nanoTime();
      check(n == 100, "stream read returned " + n);
      HttpResponse<byte[]> r = get(url + "/streams/lat-1?limit=100");
      long t2 = System.nanoTime();
      check(r.statusCode() == 200, "stream read over HTTP: " + r.statusCode());
      if (i >= 500) { // warm-up
        local.recordValue((t1 - t0) / 1000);
        remote.recordValue((t2 - t1) / 1000);
      }
    }
    System.out.println();
    System.out.println("| read of a 100-event stream | p50 ms | p99 ms |");
    System.out.println("|---|---:|---:|");
    System.out.printf(
        Locale.ROOT,
        "| in process | %.2f | %.2f |%n",
        local.getValueAtPercentile(50) / 1000.0,
        local.getValueAtPercentile(99) / 1000.0);
    System.out.printf(
        Locale.ROOT,
        "| HTTP | %.2f | %.2f |%n%n",
        remote.getValueAtPercentile(50) / 1000.0,
        remote.getValueAtPercentile(99) / 1000.0);
    System.out.println(
        "| cell | sealed segments | in-process events/s | HTTP events/s | cursor bytes at end |");
    System.out.println("|---|---:|---:|---:|---:|");
  }

  // ------------------------------------------------------------------ data

  private DevCluster start(Path dir, int nodes, int segments, String storeUri) throws Exception {
    return start(dir, nodes, segments, storeUri, Compactor.Options.DEFAULTS);
  }

  private DevCluster start(
      Path dir, int nodes, int segments, String storeUri, Compactor.Options compaction)
      throws Exception {
    DevCluster cluster =
        DevCluster.start(
            new DevCluster.Options(
                dir,
                "127.0.0.1",
                port,
                port + 1000,
                nodes,
                segments,
                Duration.ofSeconds(10),
                false,
                storeUri,
                compaction,
                false),
            Duration.ofSeconds(60));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!cluster.nodes().stream().allMatch(n -> n.notReadyReason() == null)) {
      check(System.nanoTime() < deadline, "cluster not ready after 60 s");
      Thread.onSpinWait();
    }
    return cluster;
  }

  /**
   * {@code events} events in appends of 10, in {@code history + 1} phases with a move of every open
   * segment between phases; then one 100-event stream for the stream-read latency.
   */
  private void populate(Node node, String url, int history) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    int appends = events / 10;
    int done = 0;
    for (int phase = 0; phase <= history; phase++) {
      int until = (int) ((long) appends * (phase + 1) / (history + 1));
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      Semaphore window = new Semaphore(32);
      for (; done < until; done++) {
        int stream = random.nextInt(10_000);
        String name = "c" + (stream % 100) + "-" + stream;
        window.acquire();
        inFlight.add(
            post(url + "/streams/" + name, batch(10, done))
                .whenComplete((r, e) -> window.release()));
      }
      for (CompletableFuture<HttpResponse<String>> f : inFlight) {
        HttpResponse<String> r = f.join();
        check(r.statusCode() == 201, "append answered " + r.statusCode() + ": " + r.body());
      }
      if (phase < history) {
        moveEverything(node);
      }
      if (history >= 100 && phase % (history / 10) == 0) {
        System.err.printf("  history: %d of %d moves%n", phase, history);
      }
    }
    HttpResponse<String> r = post(url + "/streams/lat-1", batch(100, 0)).join();
    check(r.statusCode() == 201, "append answered " + r.statusCode() + ": " + r.body());
  }

  /**
   * Runs one compaction pass while 32 appends are kept in flight to other streams, and compares the
   * append rate during the pass with the rates in windows of the same length just before and just
   * after it (and reports the pass's own rate). Appends go over HTTP to the same node.
   */
  private int compactUnderLoad(String name, Node node, String url) throws Exception {
    long eventsCompacted =
        node.view().segments().stream()
            .filter(s -> !s.isOpen() && s.finalKnown())
            .mapToLong(s -> s.finalCounter() + 1)
            .sum();
    int sealedBefore = (int) node.view().segments().stream().filter(s -> !s.isOpen()).count();
    java.util.concurrent.ConcurrentLinkedQueue<Long> acked =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    Semaphore inFlight = new Semaphore(32);
    java.util.concurrent.atomic.AtomicInteger failed =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread load =
        new Thread(
            () -> {
              SplittableRandom random = new SplittableRandom(7);
              int i = 0;
              while (!stop.get()) {
                inFlight.acquireUninterruptibly();
                post(url + "/streams/load-" + random.nextInt(1_000), batch(1, i++))
                    .whenComplete(
                        (r, e) -> {
                          if (e == null && r.statusCode() == 201) {
                            acked.add(System.nanoTime());
                          } else {
                            failed.incrementAndGet();
                          }
                          inFlight.release();
                        });
              }
            },
            "compaction-load");
    long loadStarted = System.nanoTime();
    load.start();
    Thread.sleep(3_000); // warm-up of the load
    long t0 = System.nanoTime();
    Compactor.Report report = node.compact().get(60, TimeUnit.SECONDS);
    long t1 = System.nanoTime();
    // Compare the pass with windows of the same length just before and just after it, so a slow
    // drift of the shared machine's speed does not count as the pass's cost (at least 200 ms each,
    // or a short pass would have too few appends to count).
    long span = Math.max(t1 - t0, TimeUnit.MILLISECONDS.toNanos(200));
    // A control: the same comparison for a window of the same length with no pass in it, so the
    // ratio above can be read against this machine's own noise.
    long c0 = t1 + span + TimeUnit.SECONDS.toNanos(1);
    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(c0 + 3 * span - System.nanoTime()) + 1);
    double control =
        rate(acked, c0 + span, c0 + 2 * span)
            / ((rate(acked, c0, c0 + span) + rate(acked, c0 + 2 * span, c0 + 3 * span)) / 2);
    stop.set(true);
    load.join();
    inFlight.acquire(32);
    // Not reaching back into the load's first second, when a long pass makes the window long.
    long beforeFrom = Math.max(t0 - span, loadStarted + TimeUnit.SECONDS.toNanos(1));
    double rateBefore = rate(acked, beforeFrom, t0);
    double rateInPass = rate(acked, t0, t1);
    double rateAfter = rate(acked, t1, t1 + span);
    double rateAround = (rateBefore + rateAfter) / 2;
    double passSeconds = (t1 - t0) / 1e9;
    notes.add(
        String.format(
            Locale.ROOT,
            "- %s: one pass compacted %d sealed segments (%d retired, %,d events) in %.1f ms,"
                + " %.1f ms of it paused by the throttle (%,.0f segments/s, %,.0f events/s); appends"
                + " (1 event, 32 in flight, HTTP) %,.0f/s during the pass, %,.0f/s in the %.0f ms"
                + " before and %,.0f/s in the %.0f ms after: ratio %.2f (control window with no"
                + " pass, same comparison: %.2f)",
            name,
            sealedBefore,
            report.segmentsRetired(),
            eventsCompacted,
            passSeconds * 1e3,
            report.throttled().toNanos() / 1e6,
            report.segmentsRetired() / passSeconds,
            eventsCompacted / passSeconds,
            rateInPass,
            rateBefore,
            (t0 - beforeFrom) / 1e6,
            rateAfter,
            span / 1e6,
            rateInPass / rateAround,
            control));
    check(report.segmentsRetired() > 0, "nothing was compacted: " + report);
    check(failed.get() == 0, failed.get() + " appends failed while compacting");
    return acked.size();
  }

  /** Acknowledgements per second in {@code [from, to)}. */
  private static double rate(java.util.Collection<Long> acked, long from, long to) {
    return acked.stream().filter(t -> t >= from && t < to).count() / ((to - from) / 1e9);
  }

  private void moveEverything(Node node) throws Exception {
    List<SegmentId> created = new ArrayList<>();
    for (Segment s : node.view().segments()) {
      if (s.isOpen()) {
        PlacementReply reply =
            node.submit(new PlacementCommand.Move(s.id(), node.nodeId())).get(30, TimeUnit.SECONDS);
        check(reply instanceof PlacementReply.Changed, "move refused: " + reply);
        created.addAll(((PlacementReply.Changed) reply).created());
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (SegmentId id : created) {
      while (node.appender(id).map(a -> a.state() != SegmentAppender.State.ACTIVE).orElse(true)) {
        check(System.nanoTime() < deadline, "successor " + id + " not active after 30 s");
        Thread.onSpinWait();
      }
    }
  }

  private static String batch(int n, int seed) {
    StringBuilder b = new StringBuilder("{\"events\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"type\":\"ItemAdded\",\"data\":{\"order\":")
          .append(seed)
          .append(",\"item\":")
          .append(i)
          .append(",\"sku\":\"SKU-0000000000\",\"price\":1234,\"note\":\"")
          .append("x".repeat(60))
          .append("\"}}");
    }
    return b.append("]}").toString();
  }

  // ------------------------------------------------------------------ reads

  /** A whole walk from the beginning: how many events it delivered and where it ended. */
  private record Walked(int events, Cursor cursor) {}

  private Walked walk(Node node, Selection selection) {
    Cursor cursor = Cursor.start(CursorReader.clusterTag(node.view()));
    int seen = 0;
    while (true) {
      CursorReader.Page page =
          node.cursorReader().read(node.view(), cursor, selection, 1_000, false).join();
      seen += page.events().size();
      cursor = page.cursor();
      if (page.events().isEmpty() && !page.more()) {
        return new Walked(seen, cursor);
      }
    }
  }

  private Cursor readAll(Node node, Selection selection, int expected) {
    Walked w = walk(node, selection);
    check(w.events() == expected, "read " + w.events() + " events, expected " + expected);
    return w.cursor();
  }

  private void readAllHttp(String url, String query, int expected) throws Exception {
    String cursor = null;
    int seen = 0;
    while (true) {
      HttpResponse<byte[]> r =
          get(url + "/events?limit=1000" + query + (cursor == null ? "" : "&after=" + cursor));
      check(r.statusCode() == 200, "GET /events answered " + r.statusCode());
      JsonNode page = JSON.readTree(r.body());
      int n = page.get("events").size();
      seen += n;
      cursor = page.get("cursor").asText();
      if (n == 0) {
        break;
      }
    }
    check(seen == expected, "read " + seen + " events over HTTP, expected " + expected);
  }

  // ------------------------------------------------------------------ live tail

  /**
   * Commit → SSE delivery: a 3-node cluster (ring of 32), one tail on node 1 over all streams,
   * appends at a steady rate to 50 streams through all three nodes. Latency is measured from the
   * moment the append's 201 arrived (the commit is acknowledged) to the moment the event arrived on
   * the tail; an event that arrives before its 201 counts as 0.
   */
  private void live() throws Exception {
    Path dir = Files.createTempDirectory("fossil-live-bench");
    String storeUri = store;
    try (DevCluster cluster = start(dir, 3, 32, storeUri)) {
      List<String> urls = cluster.urls();
      int total = liveRate * liveSeconds;
      long[] acked = new long[total];
      long[] received = new long[total];
      HttpResponse<Stream<String>> tail =
          http.sendAsync(
                  HttpRequest.newBuilder(URI.create(urls.get(0) + "/events/live")).build(),
                  HttpResponse.BodyHandlers.ofLines())
              .get(30, TimeUnit.SECONDS);
      Thread reader =
          new Thread(
              () -> {
                try {
                  tail.body()
                      .filter(l -> l.startsWith("data: "))
                      .forEach(
                          l -> {
                            long now = System.nanoTime();
                            try {
                              int n = JSON.readTree(l.substring(6)).get("data").get("n").asInt();
                              received[n] = now;
                            } catch (IOException e) {
                              throw new IllegalStateException(e);
                            }
                          });
                } catch (java.io.UncheckedIOException closed) {
                  // the benchmark closed the tail
                }
              },
              "live-tail");
      reader.setDaemon(true);
      reader.start();
      long start = System.nanoTime();
      long interval = 1_000_000_000L / liveRate;
      List<CompletableFuture<?>> sent = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        long due = start + i * interval;
        while (System.nanoTime() < due) {
          Thread.onSpinWait();
        }
        int n = i;
        String body = "{\"events\":[{\"type\":\"Tick\",\"data\":{\"n\":" + n + "}}]}";
        sent.add(
            post(urls.get(n % 3) + "/streams/live" + (n % 50) + "-s", body)
                .thenAccept(
                    r -> {
                      acked[n] = System.nanoTime();
                      check(r.statusCode() == 201, "append answered " + r.statusCode());
                    }));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (Arrays.stream(received).anyMatch(t -> t == 0)) {
        check(System.nanoTime() < deadline, "not every event reached the tail within 30 s");
        Thread.onSpinWait();
      }
      tail.body().close();
      Histogram h = new Histogram(3);
      for (int i = 0; i < total; i++) {
        h.recordValue(Math.max(0, received[i] - acked[i]) / 1000);
      }
      System.out.printf(
          "| live tail, %s, %d appends/s for %d s | p50 ms | p99 ms | max ms |%n",
          storeUri == null ? "rocksdb:" : storeUri, liveRate, liveSeconds);
      System.out.println("|---|---:|---:|---:|");
      System.out.printf(
          Locale.ROOT,
          "| commit acknowledged → SSE event | %.1f | %.1f | %.1f |%n",
          h.getValueAtPercentile(50) / 1000.0,
          h.getValueAtPercentile(99) / 1000.0,
          h.getMaxValue() / 1000.0);
    } finally {
      delete(dir);
    }
  }

  // ------------------------------------------------------------------ helpers

  private CompletableFuture<HttpResponse<String>> post(String url, String body) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<byte[]> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static double rate(long n, long t0) {
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException(what);
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
