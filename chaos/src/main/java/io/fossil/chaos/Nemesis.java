package io.fossil.chaos;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Injects one fault at a time into a {@link Cluster} and heals it. Each call returns the moment the
 * fault was healed (nanoTime), from which the suite measures how long streams stay unavailable.
 */
final class Nemesis {

  private static final Duration RESTART_DELAY = Duration.ofSeconds(1);

  private final Cluster cluster;
  private final Api api;
  private final Random random;
  private final Duration lease;
  private final Consumer<String> log;

  Nemesis(Cluster cluster, Api api, Random random, Duration lease, Consumer<String> log) {
    this.cluster = cluster;
    this.api = api;
    this.random = random;
    this.lease = lease;
    this.log = log;
  }

  private final List<String> stuckNodes = new ArrayList<>();

  /** Nodes that did not become ready after a fault healed and had to be restarted. */
  List<String> stuckNodes() {
    return stuckNodes;
  }

  private void awaitReady() {
    for (String s : cluster.awaitReadyOrRestart(Duration.ofSeconds(90))) {
      log.accept("  NODE STUCK: " + s + "; restarted it");
      stuckNodes.add(s);
    }
    // Ready nodes need only a majority of the placement group; the next fault should start from a
    // whole one, or it may take the majority away and test nothing but an outage.
    long start = System.nanoTime();
    try {
      await("the placement leader to hear from every follower")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> cluster.placementHealed(lease.dividedBy(2)));
    } catch (ConditionTimeoutException e) {
      log.accept("  the placement group still misses a link 30 s after healing; going on");
      return;
    }
    long waited = (System.nanoTime() - start) / 1_000_000;
    if (waited > lease.toMillis()) {
      log.accept(
          "    every placement link answered again " + waited + " ms after the nodes were ready");
    }
  }

  /** Why {@code fault} cannot run here, or null if it can. */
  String unavailable(Fault fault) {
    return switch (fault) {
      case CLOCK ->
          libfaketime().isPresent()
              ? null
              : "libfaketime is not installed (apt-get install faketime)";
      default -> null;
    };
  }

  /** Injects {@code fault} once and heals it; returns when it healed (nanoTime). */
  long inject(Fault fault) throws Exception {
    return switch (fault) {
      case KILL -> kill(busiestOwner(), "owner");
      case LEADER -> kill(leader(), "placement leader");
      case PAUSE -> pause(busiestOwner(), "");
      case PARTITION -> partition(busiestOwner());
      case DELAY -> delay(busiestOwner());
      case ADMIN -> admin();
      case CLOCK -> slowClock(busiestOwner());
    };
  }

  private long kill(int i, String role) throws InterruptedException {
    log.accept(
        "  kill -9 "
            + cluster.nodeId(i)
            + " ("
            + role
            + "), restart in "
            + RESTART_DELAY.toMillis()
            + " ms");
    cluster.kill(i);
    Thread.sleep(RESTART_DELAY.toMillis()); // the fault's length
    cluster.start(i, Map.of());
    long healed = System.nanoTime();
    awaitReady();
    return healed;
  }

  /**
   * Long enough for the lease to lapse even when the faulty node led the placement group (a new
   * leader first extends every lease by one length), for the segments to move, and for the new
   * owners to write.
   */
  private Duration zombieTime() {
    return lease.multipliedBy(3).plusSeconds(2);
  }

  /** Says whether node {@code i}'s segments moved away while it was faulty. */
  private void reportMoves(int i, int ownedBefore) {
    try {
      int owned = cluster.openSegmentsByOwner(i).getOrDefault(i, 0);
      log.accept(
          "    "
              + cluster.nodeId(i)
              + " owned "
              + ownedBefore
              + " open segments before, "
              + owned
              + " at the end of the fault");
    } catch (IOException e) {
      log.accept("    could not read the placement view: " + e);
    }
  }

  private long pause(int i, String note) throws IOException, InterruptedException {
    Duration hold = zombieTime();
    return hold(
        i,
        "SIGSTOP " + cluster.nodeId(i) + " for " + hold.toMillis() + " ms" + note,
        hold,
        () -> cluster.pause(i),
        () -> cluster.resume(i));
  }

  private long partition(int i) throws IOException, InterruptedException {
    Duration hold = zombieTime();
    return hold(
        i,
        "cut " + cluster.nodeId(i) + " off the placement group for " + hold.toMillis() + " ms",
        hold,
        () -> cluster.cutOffPlacement(i),
        () -> cluster.healPlacement(i));
  }

  /**
   * Slows node {@code i}'s store link by a latency drawn from 0.15 to 1.5 leases (300 ms to 3 s
   * with the 2 s lease) each way, for as long as a zombie fault lasts. A round trip to etcd then
   * takes twice that, so at the top of the range a write lands after etcd's call timeout (5 s) gave
   * up on it (an unknown outcome the owner must fence itself over) and after a lease length from
   * when the owner checked its lease; at the bottom, writes are only slow. Placement traffic is
   * untouched, so the owner keeps its lease unless something else takes its segments.
   */
  private long delay(int i) throws IOException, InterruptedException {
    Duration hold = zombieTime();
    Duration latency = Duration.ofMillis(lease.toMillis() * (15 + random.nextInt(136)) / 100);
    FaultProxy link = cluster.storeLink(i);
    return hold(
        i,
        "delay "
            + cluster.nodeId(i)
            + "'s store link by "
            + latency.toMillis()
            + " ms each way for "
            + hold.toMillis()
            + " ms",
        hold,
        () -> link.delay(latency),
        link::pass);
  }

  /**
   * Injects a fault into node {@code i}, holds it for {@code hold}, reports whether its segments
   * moved meanwhile, heals it and waits for the cluster to be ready; gives when it healed.
   */
  private long hold(int i, String what, Duration hold, Runnable inject, Runnable heal)
      throws IOException, InterruptedException {
    int before = cluster.openSegmentsByOwner().getOrDefault(i, 0);
    log.accept("  " + what);
    inject.run();
    try {
      Thread.sleep(hold.toMillis()); // the fault's length
      reportMoves(i, before);
    } finally {
      heal.run();
    }
    long healed = System.nanoTime();
    awaitReady();
    return healed;
  }

  private long admin() throws Exception {
    int done = 0;
    int refused = 0;
    for (int round = 0; round < 8; round++) {
      JsonNode view = cluster.view();
      List<JsonNode> open = new ArrayList<>();
      view.path("segments")
          .forEach(
              s -> {
                if (s.path("state").asText().equals("OPEN")) {
                  open.add(s);
                }
              });
      open.sort(
          Comparator.comparing(
              s -> Long.parseUnsignedLong(s.path("first").asText(), 16), Long::compareUnsigned));
      String url = cluster.url(upNode());
      String request;
      int choice = random.nextInt(3);
      if (choice == 0 && open.size() > 1) {
        int start = random.nextInt(open.size() - 1);
        JsonNode a = open.get(start);
        JsonNode b = open.get(start + 1);
        request =
            "/admin/segments/merge?a="
                + enc(a.path("id").asText())
                + "&b="
                + enc(b.path("id").asText());
      } else if (choice == 1 || open.size() <= 1) {
        JsonNode s = open.get(random.nextInt(open.size()));
        request = "/admin/segments/" + enc(s.path("id").asText()) + "/split";
      } else {
        JsonNode s = open.get(random.nextInt(open.size()));
        request =
            "/admin/segments/"
                + enc(s.path("id").asText())
                + "/move?to="
                + cluster.nodeId(random.nextInt(cluster.size()));
      }
      Api.Response r;
      try {
        r = api.post(url + request, "");
      } catch (IOException e) {
        r = new Api.Response(-1, e.toString()); // the connection broke: the command may be lost
      }
      if (r.status() == 200) {
        done++;
      } else {
        refused++;
      }
      Thread.sleep(300); // spacing the commands, not waiting for a condition
    }
    log.accept("  admin: " + done + " moves/splits/merges applied, " + refused + " refused");
    return System.nanoTime();
  }

  private long slowClock(int i) throws IOException, InterruptedException {
    Path lib = libfaketime().orElseThrow();
    log.accept("  restart " + cluster.nodeId(i) + " under libfaketime at half speed");
    cluster.kill(i);
    cluster.start(
        i, Map.of("LD_PRELOAD", lib.toString(), "FAKETIME", "+0 x0.5", "FAKETIME_NO_CACHE", "1"));
    awaitReady();
    long healed = pause(i, " (its clock at half speed)");
    log.accept("  restart " + cluster.nodeId(i) + " with the real clock");
    cluster.kill(i);
    cluster.start(i, Map.of());
    awaitReady();
    return Math.max(healed, System.nanoTime());
  }

  /** The node owning the most open segments (the busiest owner), among nodes that are up. */
  private int busiestOwner() throws IOException {
    Map<Integer, Integer> owned = cluster.openSegmentsByOwner();
    return owned.entrySet().stream()
        .filter(e -> cluster.isUp(e.getKey()))
        .max(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(e -> random.nextInt()))
        .map(Map.Entry::getKey)
        .orElseGet(this::upNode);
  }

  private int leader() {
    return await("a node to report itself placement leader")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(cluster::leader, Optional::isPresent)
        .orElseThrow();
  }

  private int upNode() {
    List<Integer> up = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.isUp(i)) {
        up.add(i);
      }
    }
    return up.get(random.nextInt(up.size()));
  }

  static Optional<Path> libfaketime() {
    return Stream.of(
            "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
            "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
            "/usr/lib/faketime/libfaketime.so.1",
            "/usr/local/lib/faketime/libfaketime.so.1")
        .map(Path::of)
        .filter(Files::isRegularFile)
        .findFirst();
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }
}
