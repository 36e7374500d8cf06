package io.fossil.chaos;

import static org.awaitility.Awaitility.await;

import io.fossil.kv.KvStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The fault suite: starts a cluster of real node processes on a real etcd, drives appends and
 * cursor tails against it while nemeses attack it phase by phase and then in a seeded random mix,
 * heals everything, reads everything back and checks the invariants ({@link Checker}). Ends with a
 * TOTAL line; any safety violation, or a stream that does not accept appends again after healing,
 * fails the run.
 */
@Command(
    name = "fossil-chaos",
    mixinStandardHelpOptions = true,
    description = "Attacks a cluster of real fossil node processes and checks nothing was lost.")
public final class Chaos implements Callable<Integer> {

  /**
   * What a run found. A node that stayed unready after a fault healed ({@code stuckNodes}) is
   * reported but does not fail the run by itself: the suite restarts it, and what clients see
   * (every stream writable again) is what {@code livenessFailures} counts.
   */
  public record Result(
      Checker.Report report,
      List<String> lines,
      Duration maxUnavailability,
      long livenessFailures,
      List<String> stuckNodes) {

    public boolean passed() {
      return report.violations() == 0 && livenessFailures == 0;
    }
  }

  @Option(names = "--seed", description = "seed for the random mix (default: random, printed)")
  Long seed;

  @Option(
      names = "--minutes",
      description = "long mode: run this long in total, a third in phases, the rest in the mix")
  Integer minutes;

  @Option(
      names = "--phase-seconds",
      description = "each phase's length (default: ${DEFAULT-VALUE})")
  int phaseSeconds = 20;

  @Option(
      names = "--mix-seconds",
      description = "the random mix's length (default: ${DEFAULT-VALUE})")
  int mixSeconds = 40;

  @Option(
      names = "--faults",
      split = ",",
      description =
          "phases to run, in order (default: kill,pause,partition,delay,leader,admin,clock)")
  List<String> faults = List.of("kill", "pause", "partition", "delay", "leader", "admin", "clock");

  @Option(
      names = "--drain-seconds",
      description = "how long tailers may take to catch up at the end (default: ${DEFAULT-VALUE})")
  int drainSeconds = 60;

  @Option(names = "--nodes", description = "node processes (default: ${DEFAULT-VALUE})")
  int nodes = 3;

  @Option(names = "--lease-ms", description = "lease length (default: ${DEFAULT-VALUE})")
  long leaseMillis = 4_000;

  @Option(names = "--workers", description = "appending clients (default: ${DEFAULT-VALUE})")
  int workers = 6;

  @Option(
      names = "--unsafe-disable-fencing",
      description = "negative control: nodes ignore leases and the storage fence; must fail")
  boolean unfenced;

  @Option(
      names = "--insecure",
      description =
          "the plain configuration: nodes run with --insecure (no TLS, no authentication) and the"
              + " suite speaks HTTP; by default every node has TLS, permissions and tokens")
  boolean insecure;

  @Option(
      names = "--loopback",
      description =
          "all nodes on loopback even as root: partitions are cut in per-pair Raft proxies,"
              + " as without root")
  boolean loopback;

  @Option(names = "--dir", description = "logs, data and history (default: ${DEFAULT-VALUE})")
  Path dir = Path.of("target", "chaos");

  @Option(names = "--fossil-jar", description = "the node jar (default: ${DEFAULT-VALUE})")
  Path fossilJar = Path.of("server", "target", "fossil.jar");

  private final PrintStream out = System.out;
  private boolean finalReadUnfinished;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Chaos()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Result result = run();
    return result.passed() ? 0 : 1;
  }

  /** For tests: a configured suite. */
  public static Chaos configure(String... args) {
    Chaos chaos = new Chaos();
    new CommandLine(chaos).parseArgs(args);
    return chaos;
  }

  public Result run() throws Exception {
    long s = seed != null ? seed : new Random().nextLong();
    List<Fault> plan = faults.stream().map(Fault::parse).toList();
    Duration phase = Duration.ofSeconds(phaseSeconds);
    Duration mix = Duration.ofSeconds(mixSeconds);
    if (minutes != null) {
      Duration total = Duration.ofMinutes(minutes);
      phase = total.dividedBy(3).dividedBy(Math.max(1, plan.size()));
      mix = total.minus(phase.multipliedBy(plan.size()));
    }
    Path runDir = dir.resolve("run-" + Long.toHexString(s));
    Files.createDirectories(runDir);
    out.printf(
        "chaos: seed %d, %d %s nodes, lease %d ms, phases %s of %d s, mix %d s%s; logs in %s%n",
        s,
        nodes,
        insecure ? "INSECURE (plain HTTP, no authentication)" : "secure (TLS, tokens)",
        leaseMillis,
        faults,
        phase.toSeconds(),
        mix.toSeconds(),
        unfenced ? ", FENCING DISABLED (negative control)" : "",
        runDir.toAbsolutePath());
    Duration lease = Duration.ofMillis(leaseMillis);
    List<String> lines = new ArrayList<>();
    long faultsInjected = 0;
    long livenessFailures = 0;
    Duration maxUnavailable = Duration.ZERO;
    String tag = Long.toHexString(s & 0xffff);
    try (Cluster cluster =
        new Cluster(
            new Cluster.Settings(
                nodes,
                lease,
                8,
                unfenced,
                fossilJar.toAbsolutePath(),
                runDir,
                tag,
                loopback,
                insecure))) {
      out.println("network: " + cluster.network().describe());
      Api api = cluster.api(Duration.ofSeconds(10));
      Workload load = new Workload(api, cluster.urls(), workers, 4, s, Duration.ofMillis(5));
      Nemesis nemesis = new Nemesis(cluster, api, new Random(s), lease, out::println);
      load.start(2);
      Thread.sleep(3_000); // warm-up under load, before the first fault
      load.newPhase();
      Random mixRandom = new Random(s ^ 0x5DEECE66DL);
      List<Fault> steps = new ArrayList<>(plan);
      if (!mix.isZero()) {
        steps.add(null); // the mix
      }
      for (Fault f : steps) {
        String label = f == null ? "mix" : f.label;
        String why = f == null ? null : nemesis.unavailable(f);
        if (why != null) {
          String line = String.format("phase %-9s: SKIPPED: %s", label, why);
          out.println(line);
          lines.add(line);
          continue;
        }
        out.println("phase " + label + " ...");
        long end = System.nanoTime() + (f == null ? mix : phase).toNanos();
        int injected = 0;
        Duration worstRecovery = Duration.ZERO;
        while (System.nanoTime() - end < 0) {
          Fault now = f != null ? f : pick(mixRandom, plan, nemesis);
          long healed = nemesis.inject(now);
          injected++;
          Duration recovery = awaitRecovery(load, healed, Duration.ofSeconds(30));
          if (recovery == null) {
            livenessFailures++;
            out.println("  LIVENESS: some stream accepted no append within 30 s of healing");
          } else if (recovery.compareTo(worstRecovery) > 0) {
            worstRecovery = recovery;
          }
          Thread.sleep(1_000); // quiet time between faults
        }
        faultsInjected += injected;
        Workload.Stats st = load.newPhase();
        Duration longest = Duration.ofNanos(st.longestWaitNanos.get());
        if (longest.compareTo(maxUnavailable) > 0) {
          maxUnavailable = longest;
        }
        String line =
            String.format(
                "phase %-9s: %d faults, %,d appends acknowledged, %,d failed, %,d unknown;"
                    + " longest wait for an acknowledgement %.1f s; every stream writable %.1f s"
                    + " after healing",
                label,
                injected,
                st.ok.sum(),
                st.failed.sum(),
                st.unknown.sum(),
                longest.toMillis() / 1000.0,
                worstRecovery.toMillis() / 1000.0);
        out.println(line);
        lines.add(line);
      }
      load.close();
      for (Tailer t : load.tailers()) {
        if (!t.drain(Duration.ofSeconds(drainSeconds))) {
          livenessFailures++;
          out.println(
              "  LIVENESS: "
                  + t.name()
                  + " did not catch up within "
                  + drainSeconds
                  + " s; last error: "
                  + t.lastError());
        }
      }
      Checker.Input input = finalState(cluster, load);
      writeHistory(runDir.resolve("history.jsonl"), load.history());
      Checker.Report report = Checker.check(input);
      if (finalReadUnfinished) {
        livenessFailures++;
      }
      report.examples().forEach(e -> out.println("  violation: " + e));
      String total =
          String.format(
              "TOTAL: %s; %d faults injected; max unavailability %.1f s; %d nodes stuck unready%s",
              report.summary(),
              faultsInjected,
              maxUnavailable.toMillis() / 1000.0,
              nemesis.stuckNodes().size(),
              livenessFailures > 0 ? "; " + livenessFailures + " LIVENESS FAILURES" : "");
      out.println(total);
      lines.add(total);
      return new Result(
          report, lines, maxUnavailable, livenessFailures, List.copyOf(nemesis.stuckNodes()));
    }
  }

  private static Fault pick(Random random, List<Fault> plan, Nemesis nemesis) {
    List<Fault> usable = plan.stream().filter(f -> nemesis.unavailable(f) == null).toList();
    return usable.get(random.nextInt(usable.size()));
  }

  /**
   * How long after {@code healed} every stream had an append acknowledged, or null if not within
   * {@code bound}.
   */
  private static Duration awaitRecovery(Workload load, long healed, Duration bound) {
    try {
      await("every stream to accept an append after healing")
          .atMost(bound)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> load.streams().stream().allMatch(s -> load.lastAcknowledged(s) > healed));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      return null;
    }
    long last = load.streams().stream().mapToLong(load::lastAcknowledged).max().orElse(healed);
    return Duration.ofNanos(Math.max(0, last - healed));
  }

  /** Reads everything back after healing: a fresh cursor walk, every stream, the raw store. */
  private Checker.Input finalState(Cluster cluster, Workload load) throws Exception {
    Api api = cluster.api(Duration.ofSeconds(60));
    Tailer reader = new Tailer(api, cluster.urls(), new Random(1), "final cursor read");
    if (!reader.drain(Duration.ofSeconds(2L * drainSeconds))) {
      out.println(
          "  LIVENESS: the final cursor read did not finish within " + 2 * drainSeconds + " s");
      finalReadUnfinished = true;
    }
    Map<String, List<Seen>> streams = new LinkedHashMap<>();
    for (String stream : load.streams()) {
      streams.put(stream, readStream(api, cluster.urls(), stream));
    }
    Map<String, List<Seen>> tails = new LinkedHashMap<>();
    load.tailers().forEach(t -> tails.put(t.name(), t.seen()));
    StoreDump dump;
    try (KvStore store = cluster.openStore()) {
      dump = StoreDump.read(store);
    }
    return new Checker.Input(load.history(), reader.seen(), streams, dump, tails);
  }

  /** Reads a whole stream through its index, page by page, trying each node in turn on failure. */
  private static List<Seen> readStream(Api api, List<String> urls, String stream)
      throws IOException {
    List<Seen> events = new ArrayList<>();
    int failures = 0;
    while (true) {
      String url = urls.get(failures % urls.size());
      Api.Response r;
      try {
        r =
            api.get(
                url
                    + "/streams/"
                    + URLEncoder.encode(stream, StandardCharsets.UTF_8)
                    + "?limit=1000&from="
                    + events.size());
      } catch (IOException e) {
        r = new Api.Response(-1, e.toString());
      }
      List<Seen> page = new ArrayList<>();
      if (r.status() == 200) {
        try {
          Api.JSON.readTree(r.body()).path("events").forEach(e -> page.add(Seen.fromJson(e)));
        } catch (IOException | RuntimeException e) {
          r = new Api.Response(-2, url + " answered an event we cannot read: " + e);
        }
      }
      if (r.status() != 200) {
        if (++failures < 3 * urls.size()) {
          continue;
        }
        throw new IOException("reading " + stream + " answered " + r.status() + ": " + r.body());
      }
      events.addAll(page);
      if (page.size() < 1000) {
        return events;
      }
    }
  }

  private static void writeHistory(Path file, List<Op> history) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (Op op : history) {
        w.write(Api.JSON.writeValueAsString(op));
        w.newLine();
      }
    }
  }
}
