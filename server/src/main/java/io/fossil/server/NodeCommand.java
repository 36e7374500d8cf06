package io.fossil.server;

import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.router.HttpSecurity;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fossil node}: one node process. */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one Fossil node: its HTTP API, its placement voter (if listed in --voters) and the",
      "appenders of the segments it is given, on the shared store --store.",
      "SIGTERM hands its segments to the other nodes before it exits.",
      "In a Kubernetes StatefulSet, --kubernetes derives its id and peers from the pod."
    })
final class NodeCommand implements Callable<Integer> {

  @Option(
      names = "--node-id",
      description = "this node's id, stable across restarts (required unless --kubernetes)")
  String nodeId;

  @Option(
      names = "--store",
      required = true,
      description =
          "storage URI shared by all nodes: etcd://h1:2379,h2:2379/ns, fdb:/path/fdb.cluster, or rocksdb:/path for a single node")
  String store;

  @Option(
      names = "--http-host",
      description = "address to bind (default: 0.0.0.0; with --kubernetes, the pod IP)")
  String httpHost;

  @Option(names = "--http-port", description = "HTTP port (default: ${DEFAULT-VALUE})")
  int httpPort = 8081;

  @Option(
      names = "--advertise",
      description =
          "host:port others use to reach this node (default: hostname:http-port; with"
              + " --kubernetes, the pod's DNS name)")
  String advertise;

  @Option(
      names = "--voters",
      description =
          "placement voters as id=host:port,... (default: this node alone on 127.0.0.1:7081;"
              + " with --kubernetes, the StatefulSet's first --kubernetes-voters pods)")
  String voters;

  @Option(
      names = "--raft-bind",
      description =
          "address the Raft port listens on (default: the host of this node's own --voters"
              + " address, so 127.0.0.1 without --voters; with --kubernetes, the pod IP;"
              + " 0.0.0.0 = every interface)")
  String raftBind;

  @Option(
      names = "--data",
      description = "directory for this node's Raft log (default: ${DEFAULT-VALUE})")
  Path data = Path.of("fossil-data");

  @Option(
      names = "--ring-segments",
      description = "segments the ring starts with (default: ${DEFAULT-VALUE})")
  int ringSegments = 32;

  @Option(names = "--lease", description = "lease length, e.g. 10s (default: ${DEFAULT-VALUE})")
  String lease = "10s";

  @Option(
      names = "--forward",
      description = "forward appends to the owner instead of answering 307")
  boolean forward;

  @Option(
      names = "--admin-port",
      description =
          "a second listener for /admin/* and /metrics (same TLS and authentication), which the"
              + " HTTP port then does not serve; 0 = none (default: ${DEFAULT-VALUE})")
  int adminPort;

  @Option(
      names = "--admin-host",
      description = "address the admin listener binds (default: the same as --http-host)")
  String adminHost;

  @Option(
      names = "--max-body",
      description = "largest request body in bytes (default: ${DEFAULT-VALUE})")
  int maxBody = 4 << 20;

  @Option(
      names = "--unsafe-disable-fencing",
      hidden = true,
      description = "test only: the fault suite's negative control (loses acknowledged events)")
  boolean unsafeDisableFencing;

  @Option(
      names = "--leave-timeout",
      description =
          "on SIGTERM, how long to wait for the segments to be handed away (default: ${DEFAULT-VALUE})")
  String leaveTimeout = "15s";

  @Option(
      names = "--compaction-interval",
      description =
          "how often the placement leader compacts the segment history; 0 = only on"
              + " POST /admin/compaction (default: ${DEFAULT-VALUE})")
  String compactionInterval = "5m";

  @Option(
      names = "--compaction-grace",
      description =
          "how long cursors and positions naming compacted segments keep working; after it they"
              + " get 410 (default: ${DEFAULT-VALUE})")
  String compactionGrace = "7d";

  @Option(
      names = "--compaction-share",
      description =
          "the largest fraction of the time a compaction pass keeps the cluster busy; it waits"
              + " between its steps to stay below it (0 < share <= 1, default: ${DEFAULT-VALUE})")
  double compactionShare = Compactor.Options.DEFAULTS.share();

  @Option(names = "--config", description = "properties file with defaults for these options")
  Path config;

  @CommandLine.Mixin(name = "kubernetes")
  KubernetesOptions kubernetes = new KubernetesOptions();

  @CommandLine.Mixin(name = "security")
  SecurityFlags securityFlags = new SecurityFlags();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    completeAddressing(System::getenv);
    Map<String, String> voterMap = parseVoters();
    Duration leaseLength = parseDuration(lease, "--lease");
    Duration leaveWait = parseDuration(leaveTimeout, "--leave-timeout");
    if (!(compactionShare > 0 && compactionShare <= 1)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--compaction-share must be above 0 and at most 1 (a fraction of the time), not "
              + compactionShare);
    }
    Compactor.Options compaction =
        new Compactor.Options(
            parseDuration(compactionInterval, "--compaction-interval", true),
            parseDuration(compactionGrace, "--compaction-grace"),
            Compactor.Options.DEFAULTS.maxRunsPerPass(),
            Compactor.Options.DEFAULTS.maxSegmentsPerRun(),
            compactionShare);
    if (store.startsWith("rocksdb:") && (voterMap.size() > 1 || !voterMap.containsKey(nodeId))) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "the embedded store (rocksdb:) lives inside one process and cannot be shared with nodes"
              + " in other processes; --voters names "
              + voterMap.keySet()
              + ". Run a multi-process cluster on a shared store (--store etcd://... or fdb:...),"
              + " or use 'fossil dev' for several nodes in one process.");
    }
    SecurityOptions security;
    HttpSecurity httpSecurity;
    try {
      security = securityFlags.options();
      httpSecurity =
          security.http(securityFlags.limits(), securityFlags.corsOrigins(), Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--permissions: " + e.getMessage());
    }
    if (maxBody < 1024) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-body must be at least 1024 bytes");
    }
    String advertised =
        advertise != null ? advertise : InetAddress.getLocalHost().getHostName() + ":" + httpPort;
    HttpApi.Options defaults = HttpApi.Options.defaults(httpHost, httpPort);
    HttpApi.Options http =
        new HttpApi.Options(
            httpHost,
            httpPort,
            forward,
            maxBody,
            defaults.maxJsonDepth(),
            defaults.maxHeaderBytes(),
            defaults.idleTimeout(),
            defaults.catchUpWait(),
            defaults.maxHops(),
            httpSecurity);
    PlacementConfig placement =
        new PlacementConfig(
            ringSegments,
            Math.max(1, voterMap.size()),
            leaseLength.toMillis(),
            PlacementConfig.DEFAULT.maxMovesPerTick());
    try {
      http = securityFlags.withWaitCap(http);
      placement = securityFlags.withSegmentCap(placement);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (adminPort < 0 || adminPort > 65535 || (adminPort != 0 && adminPort == httpPort)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--admin-port is 0 (none) or a port other than --http-port");
    }
    HttpApi.Options admin =
        adminPort == 0
            ? null
            : http.withAddress(adminHost != null ? adminHost : httpHost, adminPort);
    SegmentAppender.Config appenderConfig = SegmentAppender.Config.DEFAULT;
    if (unsafeDisableFencing) {
      System.err.println(
          "WARNING: --unsafe-disable-fencing: this node ignores its lease and the storage fence."
              + " It WILL lose acknowledged events. It exists only to prove the fault suite can"
              + " detect that.");
      appenderConfig = appenderConfig.unfenced();
    }
    PrivateDirectory.create(data);
    KvStore kv = KvStores.open(store);
    HttpRuntime runtime = HttpRuntime.create();
    Node node =
        new Node(
            new NodeConfig(
                nodeId,
                http,
                advertised,
                voterMap,
                data.resolve("raft").resolve(nodeId),
                placement,
                appenderConfig,
                Duration.ofSeconds(60),
                compaction,
                raftBind,
                security,
                admin),
            kv,
            runtime);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("node " + nodeId + ": handing segments away ...");
                  boolean handed = node.leave(leaveWait).join();
                  System.out.println(
                      "node "
                          + nodeId
                          + (handed
                              ? ": segments handed away"
                              : ": hand-over incomplete; leases will expire"));
                  node.close();
                  runtime.close();
                  kv.close();
                  stopped.countDown();
                }));
    node.start().get(90, TimeUnit.SECONDS);
    System.out.println(
        "node "
            + nodeId
            + " serves "
            + (security.tls() ? "https://" : "http://")
            + advertised
            + (adminPort == 0 ? "" : ", admin and metrics on port " + adminPort)
            + " (store "
            + KvStores.redacted(store)
            + ")");
    stopped.await();
    return 0;
  }

  /**
   * Takes the node id, voters, advertised address and bind address from the pod when {@code
   * --kubernetes} is on, where no flag, variable or file line gave them.
   */
  void completeAddressing(Function<String, String> env) {
    NodeAddressing given = new NodeAddressing(nodeId, voters, advertise, httpHost, httpPort);
    NodeAddressing resolved;
    try {
      resolved = kubernetes.complete(given, env);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--kubernetes: " + e.getMessage());
    }
    if (resolved.nodeId() == null || resolved.nodeId().isBlank()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Missing required option: '--node-id' (or --kubernetes in a StatefulSet pod)");
    }
    nodeId = resolved.nodeId();
    voters = resolved.voters();
    if (kubernetes.enabled() && (raftBind == null || raftBind.isBlank())) {
      // Peers dial the pod's DNS name, which resolves to its IP.
      raftBind = KubernetesPod.fromEnvironment(env).ip();
    }
    advertise = resolved.advertise();
    httpHost = resolved.httpHost() != null ? resolved.httpHost() : "0.0.0.0";
  }

  private Map<String, String> parseVoters() {
    Map<String, String> map = new LinkedHashMap<>();
    if (voters == null || voters.isBlank()) {
      map.put(nodeId, "127.0.0.1:7081");
      return map;
    }
    for (String part : voters.split(",")) {
      String[] kv = part.trim().split("=", 2);
      if (kv.length != 2 || kv[0].isEmpty() || !kv[1].matches("[^:]+:\\d{1,5}")) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--voters entry '" + part + "' is not id=host:port");
      }
      if (map.put(kv[0], kv[1]) != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--voters names " + kv[0] + " twice");
      }
    }
    return map;
  }

  private Duration parseDuration(String text, String option) {
    return parseDuration(text, option, false);
  }

  private Duration parseDuration(String text, String option, boolean zeroAllowed) {
    if (zeroAllowed && text.equals("0")) {
      return Duration.ZERO;
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h|d)").matcher(text);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          option
              + " must be a duration like 10s, 500ms, 1m, 2h or 7d"
              + (zeroAllowed ? " (or 0)" : "")
              + ", was '"
              + text
              + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
