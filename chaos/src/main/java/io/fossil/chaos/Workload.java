package io.fossil.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The clients: workers that append to streams they own (so each knows its streams' positions and
 * sends expected positions most of the time) against random nodes, recording every append in the
 * history; and tailers that follow everything through cursors from the beginning.
 */
final class Workload implements AutoCloseable {

  /** What one phase saw, for its summary line. */
  static final class Stats {
    final LongAdder ok = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder unknown = new LongAdder();
    final AtomicLong longestWaitNanos = new AtomicLong();
  }

  private static final long UNKNOWN_POSITION = Long.MIN_VALUE;

  private final Api api;
  private final List<String> urls;
  private final int workers;
  private final int streamsPerWorker;
  private final long seed;
  private final Duration pace;
  private final ConcurrentLinkedQueue<Op> history = new ConcurrentLinkedQueue<>();
  private final Map<String, Long> lastOk = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final List<Tailer> tailers = new ArrayList<>();
  private volatile Stats stats = new Stats();
  private volatile boolean stopped;

  Workload(
      Api api, List<String> urls, int workers, int streamsPerWorker, long seed, Duration pace) {
    this.api = api;
    this.urls = List.copyOf(urls);
    this.workers = workers;
    this.streamsPerWorker = streamsPerWorker;
    this.seed = seed;
    this.pace = pace;
  }

  /**
   * Each stream its own category (the part before the first dash), so the streams spread over the
   * ring instead of sharing one category's arc.
   */
  static String stream(int worker, int k) {
    return "w" + worker + "s" + k + "-chaos";
  }

  List<String> streams() {
    List<String> all = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      for (int k = 0; k < streamsPerWorker; k++) {
        all.add(stream(w, k));
      }
    }
    return all;
  }

  void start(int tailerCount) {
    long now = System.nanoTime();
    streams().forEach(s -> lastOk.put(s, now));
    for (int w = 0; w < workers; w++) {
      int worker = w;
      Thread t = new Thread(() -> work(worker), "chaos-worker-" + w);
      t.setDaemon(true);
      threads.add(t);
    }
    for (int i = 0; i < tailerCount; i++) {
      Tailer tailer = new Tailer(api, urls, new Random(seed * 31 + i), "tailer-" + (i + 1));
      tailers.add(tailer);
      Thread t = new Thread(tailer::follow, "chaos-" + tailer.name());
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /** Starts a new phase's counts and returns the previous phase's. */
  Stats newPhase() {
    Stats previous = stats;
    stats = new Stats();
    return previous;
  }

  /** When {@code stream} last had an append acknowledged (nanoTime). */
  long lastAcknowledged(String stream) {
    return lastOk.get(stream);
  }

  List<Op> history() {
    return new ArrayList<>(history);
  }

  List<Tailer> tailers() {
    return tailers;
  }

  /** Stops the workers and tailers; the tailers can then be drained. */
  @Override
  public void close() {
    stopped = true;
    tailers.forEach(Tailer::stop);
    for (Thread t : threads) {
      try {
        t.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void work(int worker) {
    Random random = new Random(seed * 1_000_003 + worker);
    long[] known = new long[streamsPerWorker];
    java.util.Arrays.fill(known, -1);
    long seq = 0;
    // Like a real client, a worker keeps talking to one node and moves on only when that node
    // fails it; so a node cut off from placement keeps hearing from its own clients.
    int home = worker % urls.size();
    while (!stopped) {
      int k = random.nextInt(streamsPerWorker);
      String stream = stream(worker, k);
      int events = 1 + random.nextInt(3);
      List<String> ids = new ArrayList<>();
      for (int e = 0; e < events; e++) {
        ids.add("w" + worker + "-" + seq + "-" + e);
      }
      seq++;
      Long expected =
          known[k] != UNKNOWN_POSITION && random.nextInt(10) < 7 ? Long.valueOf(known[k]) : null;
      Op op = append(worker, stream, ids, expected, urls.get(home));
      history.add(op);
      if (op.detail().startsWith("java.") || op.detail().startsWith("503")) {
        home = (home + 1 + random.nextInt(urls.size() - 1)) % urls.size();
      }
      Stats s = stats;
      switch (op.outcome()) {
        case OK -> {
          s.ok.increment();
          known[k] = op.last();
          long previous = lastOk.put(stream, op.completeNanos());
          s.longestWaitNanos.accumulateAndGet(op.completeNanos() - previous, Math::max);
        }
        case FAIL -> {
          s.failed.increment();
          if (op.first() >= -1 && op.detail().contains("wrong-expected-position")) {
            known[k] = op.first(); // the conflict's actual position, kept in first
          }
        }
        case UNKNOWN -> {
          s.unknown.increment();
          known[k] = UNKNOWN_POSITION;
        }
      }
      if (!pace.isZero()) {
        try {
          Thread.sleep(pace.toMillis()); // pacing the load, not waiting for a condition
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private Op append(int worker, String stream, List<String> ids, Long expected, String url) {
    ObjectNode body = Api.JSON.createObjectNode();
    if (expected != null) {
      body.put("expectedPosition", expected);
    }
    ArrayNode events = body.putArray("events");
    for (String id : ids) {
      ObjectNode e = events.addObject();
      e.put("id", id);
      e.put("type", "Tick");
      e.putObject("data").put("id", id);
    }
    long start = System.nanoTime();
    Op.Outcome outcome;
    long first = -1;
    long last = -1;
    String detail;
    try {
      Api.Response r = api.post(url + "/streams/" + stream, body.toString());
      detail = Integer.toString(r.status());
      JsonNode json = r.body().isEmpty() ? Api.JSON.nullNode() : Api.JSON.readTree(r.body());
      if (r.status() == 200 || r.status() == 201) {
        outcome = Op.Outcome.OK;
        first = json.path("firstPosition").asLong();
        last = json.path("position").asLong();
        detail += " " + json.path("globalPosition").asText();
      } else {
        String type = json.path("type").asText("");
        detail += " " + type;
        if (r.status() == 500 || type.endsWith(":outcome-unknown")) {
          outcome = Op.Outcome.UNKNOWN;
        } else {
          outcome = Op.Outcome.FAIL;
          if (type.endsWith(":wrong-expected-position")) {
            first = json.path("actualPosition").asLong();
          }
        }
      }
    } catch (ConnectException | HttpConnectTimeoutException e) {
      outcome = Op.Outcome.FAIL; // never reached a node: certainly not committed
      detail = e.toString();
    } catch (IOException | RuntimeException e) {
      outcome = Op.Outcome.UNKNOWN;
      detail = e.toString();
    }
    return new Op(
        worker, stream, ids, expected, start, System.nanoTime(), outcome, first, last, detail);
  }
}
