package io.fossil.bench;

import io.fossil.security.ClientCredentials;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Drives the HTTP API of a running cluster ({@code fossil dev}, or nodes on a shared store) with a
 * non-blocking client. Each stream's owner is learned from the first 307 and requests then go
 * straight to it. Closed loop (N requests in flight) or open loop (a fixed rate, latency counted
 * from the intended send time, so a stalled server cannot hide its queueing).
 */
@Command(
    name = "http",
    mixinStandardHelpOptions = true,
    description = "Appends over HTTP: events/s, latency percentiles, errors, server CPU per event.")
final class HttpBench implements Callable<Integer> {

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:8081",
      description = "Any node's base URL.")
  String url;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "1,8,64,256",
      description = "Closed loop: requests in flight, one cell per value.")
  List<Integer> concurrency;

  @Option(
      names = "--rate",
      description = "Open loop at this many requests/s instead of the closed loop.")
  Integer rate;

  @Option(
      names = "--connections",
      defaultValue = "64",
      description =
          "Open loop: connections per node (requests beyond them wait in the client, and that wait counts).")
  int connections;

  @Option(names = "--streams", defaultValue = "10000", description = "Distinct streams written.")
  int streams;

  @Option(
      names = "--categories",
      defaultValue = "1000",
      description = "Categories the streams are spread over (1 = every stream on one segment).")
  int categories;

  @Option(names = "--min-bytes", defaultValue = "256", description = "Smallest request body.")
  int minBytes;

  @Option(names = "--max-bytes", defaultValue = "400", description = "Largest request body.")
  int maxBytes;

  @Option(
      names = "--server-pid",
      description = "Pid of the server process, to report its CPU time per 1000 events (Linux).")
  Long serverPid;

  @Option(
      names = "--ca",
      paramLabel = "FILE",
      description =
          "Trust the CA certificates in FILE (PEM) for https URLs, such as fossil dev --secure's"
              + " DATA/secure/ca.pem (default: the JDK's trust store).")
  Path ca;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "Send the bearer token in FILE with every request, such as DATA/secure/admin.token"
              + " (default: $FOSSIL_TOKEN, if set).")
  Path tokenFile;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description = "Present this client certificate chain (PEM); needs --key.")
  Path certificate;

  @Option(names = "--key", paramLabel = "FILE", description = "The private key of --cert (PEM).")
  Path key;

  @Option(
      names = "--http2",
      description =
          "Speak HTTP/2 (ALPN over TLS, h2c over plain HTTP) instead of HTTP/1.1, at most"
              + " --connections connections per node, requests multiplexed over them.")
  boolean http2;

  @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per cell.")
  int seconds;

  @Option(names = "--warmup", defaultValue = "3", description = "Warm-up seconds per cell.")
  int warmup;

  private final Map<String, String> owners = new ConcurrentHashMap<>();
  private final String prefix = "bench" + Long.toString(System.nanoTime() % 100_000, 36);
  private Vertx vertx;
  private HttpClient client;
  private String authorization;

  /** Where the results go; tests replace it. */
  PrintStream out = System.out;

  /** Where {@code FOSSIL_TOKEN} is looked up; tests replace it. */
  Function<String, String> environment = System::getenv;

  /** What one cell measured. */
  private static final class Cell {
    final Recorder latency = new Recorder(3);
    final LongAdder acked = new LongAdder();
    final LongAdder redirects = new LongAdder();

    /** Failed appends by HTTP status, or by the client-side failure when no answer came. */
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    final AtomicBoolean measuring = new AtomicBoolean();
    final AtomicBoolean stopped = new AtomicBoolean();
  }

  @Override
  public Integer call() throws Exception {
    ClientCredentials credentials =
        ClientCredentials.load(ca, certificate, key, tokenFile, environment);
    authorization = credentials.authorization().orElse(null);
    vertx = Vertx.vertx();
    int maxConnections =
        Math.max(512, concurrency.stream().mapToInt(Integer::intValue).max().orElse(1));
    // Idle connections are kept as long as the server keeps them (60 s), so a request can go out
    // on one the server is closing: "Connection was closed", a few hundred in a minute at
    // 10,000/s. Dropping them sooner on this side removed those errors, but the open-loop p99
    // spiked in five repetitions of six, for reasons we did not find (benchmarks.md, session 14).
    HttpClientOptions options =
        new HttpClientOptions()
            .setKeepAlive(true)
            .setPipelining(false)
            .setConnectTimeout(5000)
            // https URLs only; the JDK's trust store unless --ca, host names checked.
            .setTrustOptions(TrustOptions.wrap(credentials.trustManager()))
            .setVerifyHost(true);
    credentials.keyManager().ifPresent(k -> options.setKeyCertOptions(KeyCertOptions.wrap(k)));
    // The load generator shares the machine with the server: its TLS runs on BoringSSL where that
    // loads, as the server's does, so that the client's own cost takes less from the server's
    // cores.
    if (url.startsWith("https:") && OpenSSLEngineOptions.isAvailable()) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(maxConnections).setMaxWaitQueueSize(-1);
    if (http2) {
      options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true);
      pool.setHttp2MaxSize(connections);
    }
    client = vertx.createHttpClient(options, pool);
    try {
      out.printf(
          "HTTP appends to %s (%s, %s): %d streams in %d categories, %d-%d byte bodies, 1 event per request, %ds warm-up + %ds per cell%n%n",
          url,
          (http2 ? "HTTP/2" : "HTTP/1.1") + (url.startsWith("https:") ? " over TLS" : ""),
          (credentials.hasToken() ? "bearer token" : "no token")
              + (certificate != null ? ", client certificate" : ""),
          streams,
          categories,
          minBytes,
          maxBytes,
          warmup,
          seconds);
      out.println(
          "| mode | in flight / rate | events/s | p50 ms | p99 ms | p99.9 ms | errors | redirects | server CPU µs/event |");
      out.println("|---|---|---|---|---|---|---|---|---|");
      prime();
      if (rate != null) {
        run("open", rate, this::openLoop);
      } else {
        for (int c : concurrency) {
          run("closed", c, this::closedLoop);
        }
      }
    } finally {
      client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    return 0;
  }

  private interface Load {
    void start(Cell cell, int level);
  }

  private void run(String mode, int level, Load load) throws Exception {
    Cell cell = new Cell();
    load.start(cell, level);
    TimeUnit.SECONDS.sleep(warmup);
    cell.latency.reset();
    cell.acked.reset();
    cell.redirects.reset();
    cell.errors.clear();
    long cpuBefore = serverCpuMicros();
    long start = System.nanoTime();
    cell.measuring.set(true);
    TimeUnit.SECONDS.sleep(seconds);
    cell.measuring.set(false);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpuAfter = serverCpuMicros();
    cell.stopped.set(true);
    var h = cell.latency.getIntervalHistogram();
    long acked = cell.acked.sum();
    long errors = cell.errors.values().stream().mapToLong(LongAdder::sum).sum();
    String cpu =
        cpuBefore < 0 || acked == 0
            ? "n/a"
            : String.format("%.0f", (cpuAfter - cpuBefore) / (double) acked);
    out.printf(
        "| %s | %s | %,.0f | %.2f | %.2f | %.2f | %d%s | %d | %s |%n",
        mode,
        mode.equals("open") ? level + "/s" : Integer.toString(level),
        acked / elapsed,
        h.getValueAtPercentile(50) / 1e6,
        h.getValueAtPercentile(99) / 1e6,
        h.getValueAtPercentile(99.9) / 1e6,
        errors,
        errors == 0 ? "" : " " + cell.errors,
        cell.redirects.sum(),
        cpu);
    // Let the in-flight requests of this cell drain before the next one starts.
    TimeUnit.MILLISECONDS.sleep(500);
  }

  /**
   * Appends once to every stream (64 at a time) so each stream's owner is learned from its first
   * redirect before measuring, as a long-running client would have done.
   */
  private void prime() throws Exception {
    Cell cell = new Cell();
    java.util.concurrent.atomic.AtomicInteger nextStream =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(64);
    long start = System.nanoTime();
    for (int i = 0; i < 64; i++) {
      vertx.runOnContext(v -> primeNext(cell, nextStream, done));
    }
    if (!done.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("priming the streams did not finish in 5 minutes");
    }
    out.printf(
        "primed %d streams in %.1f s; %d owners learned%n%n",
        streams, (System.nanoTime() - start) / 1e9, owners.size());
  }

  private void primeNext(
      Cell cell,
      java.util.concurrent.atomic.AtomicInteger nextStream,
      java.util.concurrent.CountDownLatch done) {
    int i = nextStream.getAndIncrement();
    if (i >= streams) {
      done.countDown();
      return;
    }
    String stream = streamName(i);
    send(cell, url + "/streams/" + stream, body(), 0)
        .onComplete(x -> primeNext(cell, nextStream, done));
  }

  private void closedLoop(Cell cell, int inFlight) {
    for (int i = 0; i < inFlight; i++) {
      vertx.runOnContext(v -> next(cell));
    }
  }

  private void next(Cell cell) {
    if (cell.stopped.get()) {
      return;
    }
    long intended = System.nanoTime();
    append(cell, intended).onComplete(x -> next(cell));
  }

  private void openLoop(Cell cell, int perSecond) {
    long begin = System.nanoTime();
    double interval = 1e9 / perSecond;
    AtomicLong sent = new AtomicLong();
    vertx.setPeriodic(
        1,
        id -> {
          if (cell.stopped.get()) {
            vertx.cancelTimer(id);
            return;
          }
          long due = (long) ((System.nanoTime() - begin) / interval);
          for (long n = sent.get(); n < due; n++) {
            append(cell, begin + (long) (n * interval));
          }
          sent.set(Math.max(sent.get(), due));
        });
  }

  /** One append to a random stream; completes when it was answered (any status). */
  private Future<Void> append(Cell cell, long intendedNanos) {
    String stream = streamName(ThreadLocalRandom.current().nextInt(streams));
    String target = owners.getOrDefault(stream, url) + "/streams/" + stream;
    Buffer body = body();
    return send(cell, target, body, 0)
        .transform(
            answer -> {
              if (!cell.measuring.get()) {
                return Future.succeededFuture();
              }
              if (answer.succeeded() && (answer.result() == 201 || answer.result() == 200)) {
                cell.acked.increment();
                cell.latency.recordValue(Math.max(1, System.nanoTime() - intendedNanos));
              } else {
                String error =
                    answer.succeeded()
                        ? Integer.toString(answer.result())
                        : answer.cause().getClass().getSimpleName()
                            + ": "
                            + answer.cause().getMessage();
                cell.errors.computeIfAbsent(error, e -> new LongAdder()).increment();
              }
              return Future.succeededFuture();
            });
  }

  private Future<Integer> send(Cell cell, String target, Buffer body, int hops) {
    return client
        .request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target))
        .compose(
            req -> {
              req.putHeader("Content-Type", "application/json");
              if (authorization != null) {
                req.putHeader("Authorization", authorization);
              }
              return req.send(body);
            })
        .compose(
            resp -> {
              if (resp.statusCode() == 307 && hops < 3) {
                String location = resp.getHeader("Location");
                URI u = URI.create(location);
                String stream = u.getPath().substring("/streams/".length());
                owners.put(stream, u.getScheme() + "://" + u.getAuthority());
                if (cell.measuring.get()) {
                  cell.redirects.increment();
                }
                return resp.body().compose(b -> send(cell, location, body, hops + 1));
              }
              return resp.body().map(b -> resp.statusCode());
            });
  }

  /**
   * Stream {@code i} of this run, in one of {@code --categories} categories (the part before the
   * first '-' decides the segment, so one category alone would load a single segment).
   */
  private String streamName(int i) {
    return prefix + "c" + (i % categories) + "-" + i;
  }

  private Buffer body() {
    int size = ThreadLocalRandom.current().nextInt(minBytes, maxBytes + 1);
    String head = "{\"events\":[{\"type\":\"BenchEvent\",\"data\":{\"payload\":\"";
    String tail = "\"}}]}";
    int pad = Math.max(0, size - head.length() - tail.length());
    StringBuilder b = new StringBuilder(size).append(head);
    for (int i = 0; i < pad; i++) {
      b.append((char) ('a' + (i % 26)));
    }
    return Buffer.buffer(b.append(tail).toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The server's user+system CPU time in µs from /proc, or -1 without --server-pid. */
  private long serverCpuMicros() throws IOException {
    if (serverPid == null) {
      return -1;
    }
    String stat = Files.readString(Path.of("/proc", serverPid.toString(), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 10_000; // USER_HZ is 100 on Linux
  }
}
