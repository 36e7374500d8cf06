package io.fossil.chaos;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real etcd and N real {@code fossil node} processes, all placement voters, on the network {@link
 * Network} provides. Every node runs the server's runnable jar in a small JVM (serial GC, small
 * heap, C1 only) so three of them and the workload fit on two cores.
 *
 * <p>Each node reaches etcd through a {@link FaultProxy} of its own, its store link, which the
 * delay nemesis slows. On loopback, each node also reaches every other node's Raft port through a
 * proxy of its own (one per ordered pair, each node given its own {@code --voters}), so that one
 * node can be cut off the placement group both ways without root; see {@link #cutOffPlacement}.
 *
 * <p>Unless {@link Settings#insecure()}, the nodes run as production nodes do (TLS and {@link
 * ClusterCredentials}' certificates on Raft, HTTPS and forwarding; every request authenticated and
 * authorized) and the suite's clients ({@link #api}) speak HTTPS with a bearer token. The proxies
 * relay TCP, so TLS runs end to end through them.
 */
final class Cluster implements AutoCloseable {

  static final int RAFT_PORT = 7081;
  static final int HTTP_PORT = 8081;

  /** How to run the cluster. */
  record Settings(
      int nodes,
      Duration lease,
      int ringSegments,
      boolean unfenced,
      Path fossilJar,
      Path dir,
      String networkTag,
      boolean loopback,
      boolean insecure) {}

  private final Settings settings;
  private final Network network;
  private final Thread networkCleanup = new Thread(this::closeNetwork, "chaos-network-cleanup");
  private final ClusterCredentials credentials; // null: --insecure
  private final Api api;
  private final String storeUri;
  private final Proc etcd;
  private final FaultProxy[] storeLinks;
  private final FaultProxy[][] raftLinks;
  private final Proc[] nodes;
  private final int[] httpPorts;
  private final int[] raftPorts;
  private final boolean[] paused;

  Cluster(Settings settings) throws IOException {
    this.settings = settings;
    if (!Files.isRegularFile(settings.fossilJar())) {
      throw new IllegalStateException(
          "no node jar at "
              + settings.fossilJar()
              + ": build it first (./mvnw -q install -DskipTests builds server/target/fossil.jar)");
    }
    Files.createDirectories(settings.dir());
    this.network = Network.create(settings.nodes(), settings.networkTag(), settings.loopback());
    Runtime.getRuntime().addShutdownHook(networkCleanup); // if the suite is killed
    try {
      int n = settings.nodes();
      this.nodes = new Proc[n];
      this.httpPorts = new int[n];
      this.raftPorts = new int[n];
      this.paused = new boolean[n];
      this.storeLinks = new FaultProxy[n];
      this.raftLinks = network.isolated() ? null : new FaultProxy[n][n];
      boolean shared = !network.isolated();
      for (int i = 0; i < n; i++) {
        httpPorts[i] = shared ? freePort() : HTTP_PORT;
        raftPorts[i] = shared ? freePort() : RAFT_PORT;
      }
      this.credentials = settings.insecure() ? null : credentials(settings.dir(), n, network);
      this.api = api(Duration.ofSeconds(10));
      Path etcdBinary =
          Proc.which("etcd")
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "etcd not found on PATH; install it with apt-get install etcd-server"));
      int client = freePort();
      int peer = freePort();
      String host = network.storeHost();
      String clientUrl = "http://" + host + ":" + client;
      String peerUrl = "http://" + host + ":" + peer;
      this.etcd =
          Proc.start(
              "etcd",
              List.of(
                  etcdBinary.toString(),
                  "--name=chaos",
                  "--data-dir=" + settings.dir().resolve("etcd"),
                  "--listen-client-urls=" + clientUrl,
                  "--advertise-client-urls=" + clientUrl,
                  "--listen-peer-urls=" + peerUrl,
                  "--initial-advertise-peer-urls=" + peerUrl,
                  "--initial-cluster=chaos=" + peerUrl,
                  "--initial-cluster-state=new",
                  "--logger=zap",
                  "--log-level=warn"),
              Map.of(),
              settings.dir().resolve("etcd.log"));
      this.storeUri = "etcd://" + host + ":" + client + "/chaos";
      await("etcd to answer on " + clientUrl)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> api.get(clientUrl + "/health").status() == 200);
      for (int i = 0; i < n; i++) {
        storeLinks[i] = proxy(nodeId(i) + "-store", host, client);
        for (int j = 0; raftLinks != null && j < n; j++) {
          if (j != i) {
            raftLinks[i][j] = proxy(nodeId(i) + "-" + nodeId(j) + "-raft", host, raftPorts[j]);
          }
        }
      }
      for (int i = 0; i < n; i++) {
        start(i, Map.of());
      }
      awaitReady(Duration.ofSeconds(120));
    } catch (IOException | RuntimeException e) {
      close(); // nothing of a cluster that failed to start may outlive it
      throw e;
    }
  }

  int size() {
    return nodes.length;
  }

  String nodeId(int i) {
    return "n" + (i + 1);
  }

  int indexOf(String nodeId) {
    return Integer.parseInt(nodeId.substring(1)) - 1;
  }

  String url(int i) {
    return (credentials == null ? "http://" : "https://")
        + network.nodeHost(i)
        + ":"
        + httpPorts[i];
  }

  /** Whether the nodes run with TLS and authentication. */
  boolean secure() {
    return credentials != null;
  }

  /** A client of the nodes (and of etcd), with the cluster's credentials unless insecure. */
  Api api(Duration timeout) {
    if (credentials == null) {
      return new Api(timeout);
    }
    try {
      return new Api(timeout, credentials.client());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up the suite's TLS client", e);
    }
  }

  List<String> urls() {
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < nodes.length; i++) {
      urls.add(url(i));
    }
    return urls;
  }

  Network network() {
    return network;
  }

  /** Node {@code i}'s own way to the store, in pass mode unless a nemesis says otherwise. */
  FaultProxy storeLink(int i) {
    return storeLinks[i];
  }

  /**
   * Cuts node {@code i} off the placement group, both ways (its Raft server and its Raft client),
   * while it still reaches the store, its clients and itself. In namespaces: iptables drops its
   * Raft port's traffic. On loopback: every proxy between it and another node's Raft port, either
   * way, blackholes. Ratis dials a peer at the address its own server was started with and keeps
   * that address for the peer's id, whatever address other nodes' configuration entries carry, so
   * no Raft traffic of node {@code i} bypasses its links.
   */
  void cutOffPlacement(int i) {
    if (raftLinks == null) {
      network.cutPort(i, raftPorts[i]);
      return;
    }
    for (int j = 0; j < nodes.length; j++) {
      if (j != i) {
        raftLinks[i][j].blackhole();
        raftLinks[j][i].blackhole();
      }
    }
  }

  /** Undoes {@link #cutOffPlacement}. */
  void healPlacement(int i) {
    if (raftLinks == null) {
      network.heal(i);
      return;
    }
    for (int j = 0; j < nodes.length; j++) {
      if (j != i) {
        raftLinks[i][j].pass();
        raftLinks[j][i].pass();
      }
    }
  }

  /** How node {@code from} reaches node {@code to}'s Raft port: directly, or through its link. */
  private String raftAddress(int from, int to) {
    int port = raftLinks == null || from == to ? raftPorts[to] : raftLinks[from][to].port();
    return network.nodeHost(to) + ":" + port;
  }

  /** Starts node {@code i} (again), with extra environment (e.g. libfaketime's). */
  void start(int i, Map<String, String> env) {
    String voters =
        java.util.stream.IntStream.range(0, nodes.length)
            .mapToObj(k -> nodeId(k) + "=" + raftAddress(i, k))
            .collect(Collectors.joining(","));
    String store = "etcd://" + network.storeHost() + ":" + storeLinks[i].port() + "/chaos";
    List<String> cmd = new ArrayList<>(network.prefix(i));
    cmd.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:+UseSerialGC",
            "-Xms64m",
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-Xss512k",
            "-jar",
            settings.fossilJar().toString(),
            "node",
            "--node-id=" + nodeId(i),
            "--store=" + store,
            "--voters=" + voters,
            "--http-host=" + network.nodeHost(i),
            "--http-port=" + httpPorts[i],
            "--advertise=" + network.nodeHost(i) + ":" + httpPorts[i],
            "--data=" + settings.dir().resolve(nodeId(i)),
            "--ring-segments=" + settings.ringSegments(),
            "--lease=" + settings.lease().toMillis() + "ms",
            // The checker compares positions as acknowledged with positions as read back;
            // compaction would renumber the latter (ADR 21), so it stays off here.
            "--compaction-interval=0"));
    cmd.addAll(credentials == null ? List.of("--insecure") : credentials.nodeFlags(nodeId(i)));
    if (settings.unfenced()) {
      cmd.add("--unsafe-disable-fencing");
    }
    Map<String, String> environment = new HashMap<>(env);
    nodes[i] = Proc.start(nodeId(i), cmd, environment, settings.dir().resolve(nodeId(i) + ".log"));
    paused[i] = false;
  }

  boolean isUp(int i) {
    return nodes[i] != null && nodes[i].isAlive() && !paused[i];
  }

  void kill(int i) {
    nodes[i].kill();
    paused[i] = false;
  }

  void pause(int i) {
    nodes[i].pause();
    paused[i] = true;
  }

  void resume(int i) {
    nodes[i].resume();
    paused[i] = false;
  }

  /** Waits until every node answers ready (registered, lease held, ring assigned). */
  void awaitReady(Duration atMost) {
    for (int i = 0; i < nodes.length; i++) {
      if (!readyWithin(i, atMost)) {
        throw new IllegalStateException(
            nodeId(i) + " did not report ready within " + atMost.toSeconds() + " s");
      }
    }
  }

  /**
   * Waits until every node is ready; a node that stays unready past {@code atMost} is reported
   * (with the reason it gives) and restarted, so the run goes on.
   *
   * @return one line per node that had to be restarted
   */
  List<String> awaitReadyOrRestart(Duration atMost) {
    List<String> stuck = new ArrayList<>();
    for (int i = 0; i < nodes.length; i++) {
      if (!readyWithin(i, atMost)) {
        String reason;
        try {
          reason = api.get(url(i) + "/health/ready").body();
        } catch (IOException io) {
          reason = io.toString();
        }
        stuck.add(nodeId(i) + " not ready " + atMost.toSeconds() + " s after healing: " + reason);
        kill(i);
        start(i, Map.of());
      }
    }
    if (!stuck.isEmpty()) {
      awaitReady(atMost);
    }
    return stuck;
  }

  /** Whether node {@code k} answers ready within {@code atMost}; fails at once if it exited. */
  private boolean readyWithin(int k, Duration atMost) {
    try {
      await(nodeId(k) + " to report ready")
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptionsInstanceOf(IOException.class)
          .until(
              () -> {
                if (!nodes[k].isAlive()) {
                  throw new IllegalStateException(
                      nodeId(k) + " exited; see " + settings.dir().resolve(nodeId(k) + ".log"));
                }
                return api.get(url(k) + "/health/ready").status() == 200;
              });
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  /** The index of the node that leads the placement group now, if one says so. */
  Optional<Integer> leader() {
    for (int i = 0; i < nodes.length; i++) {
      if (gauge(i, "fossil_placement_leader").filter(v -> v == 1.0).isPresent()) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a node leads the placement group and has heard from every follower within {@code
   * within}: every Raft link works again, not only a majority. A healed proxy or namespace can
   * leave a link down for seconds (gRPC reconnects with back-off), and a fault injected then would
   * cut a second link and leave no majority at all.
   */
  boolean placementHealed(Duration within) {
    for (int i = 0; i < nodes.length; i++) {
      // NaN on every node but the leader.
      Optional<Double> silence =
          gauge(i, "fossil_placement_follower_silence_seconds").filter(v -> !v.isNaN());
      if (silence.isPresent()) {
        return silence.get() * 1000 < within.toMillis();
      }
    }
    return false;
  }

  /** A gauge from node {@code i}'s {@code /metrics}; empty if it is down or does not answer. */
  private Optional<Double> gauge(int i, String name) {
    if (!isUp(i)) {
      return Optional.empty();
    }
    try {
      Api.Response r = api.get(url(i) + "/metrics");
      if (r.status() != 200) {
        return Optional.empty();
      }
      return r.body()
          .lines()
          .filter(l -> l.startsWith(name + "{"))
          .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .findFirst();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty(); // that node cannot tell; the caller asks the next
    }
  }

  /** {@code GET /cluster} from the first node that answers. */
  JsonNode view() throws IOException {
    return view(-1);
  }

  /**
   * {@code GET /cluster} from the first node that answers, other than {@code notFrom}: a node cut
   * off the placement group answers with the view it had when it was cut.
   */
  private JsonNode view(int notFrom) throws IOException {
    IOException last = new IOException("no node is up");
    for (int i = 0; i < nodes.length; i++) {
      if (!isUp(i) || i == notFrom) {
        continue;
      }
      try {
        Api.Response r = api.get(url(i) + "/cluster");
        if (r.status() == 200) {
          return Api.JSON.readTree(r.body());
        }
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  /** How many open segments each node owns now. */
  Map<Integer, Integer> openSegmentsByOwner() throws IOException {
    return openSegmentsByOwner(-1);
  }

  /** How many open segments each node owns now, as a node other than {@code notFrom} sees it. */
  Map<Integer, Integer> openSegmentsByOwner(int notFrom) throws IOException {
    Map<Integer, Integer> owned = new HashMap<>();
    for (JsonNode s : view(notFrom).path("segments")) {
      if (s.path("state").asText().equals("OPEN") && !s.path("owner").isNull()) {
        String owner = s.path("owner").asText("");
        if (owner.startsWith("n")) {
          owned.merge(indexOf(owner), 1, Integer::sum);
        }
      }
    }
    return owned;
  }

  /** The store, directly (no proxy between). */
  KvStore openStore() {
    return KvStores.open(storeUri);
  }

  @Override
  public void close() {
    for (Proc p : nodes == null ? new Proc[0] : nodes) {
      if (p != null && p.isAlive()) {
        p.kill();
      }
    }
    for (FaultProxy p : storeLinks == null ? new FaultProxy[0] : storeLinks) {
      if (p != null) {
        p.close();
      }
    }
    for (FaultProxy[] row : raftLinks == null ? new FaultProxy[0][] : raftLinks) {
      for (FaultProxy p : row) {
        if (p != null) {
          p.close();
        }
      }
    }
    if (etcd != null && etcd.isAlive()) {
      etcd.kill();
    }
    network.close();
    try {
      Runtime.getRuntime().removeShutdownHook(networkCleanup);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (and finds the network closed)
    }
  }

  private void closeNetwork() {
    network.close();
  }

  /** A CA, certificates for each node's host, a token key, permissions: under {@code dir}. */
  private ClusterCredentials credentials(Path dir, int n, Network network) throws IOException {
    List<String> ids = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(nodeId(i));
      hosts.add(network.nodeHost(i));
    }
    try {
      return ClusterCredentials.create(dir.resolve("secure"), ids, hosts);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the cluster's certificates and tokens", e);
    }
  }

  /** A proxy on {@code host}, on a free port, in front of {@code host:port}. */
  private static FaultProxy proxy(String name, String host, int port) throws IOException {
    FaultProxy p =
        new FaultProxy(name, new InetSocketAddress(host, 0), new InetSocketAddress(host, port));
    p.start();
    return p;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
