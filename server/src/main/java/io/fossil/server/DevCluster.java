package io.fossil.server;

import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Several nodes in one process on one embedded store: what {@code fossil dev} runs and what the
 * end-to-end tests start. Node {@code i} (1-based) serves HTTP on {@code httpPort + i - 1} and its
 * placement voter on {@code raftPort + i - 1}; data lives under {@code data} and survives restarts.
 */
public final class DevCluster implements AutoCloseable {

  /**
   * @param store the storage URI; null means {@code rocksdb:<data>/store}
   * @param compaction every node's compaction options
   * @param secure TLS and authentication with credentials under {@code DATA/secure} ({@link
   *     DevSecurity}); false: plain HTTP, every request allowed (bound to {@code host}, loopback by
   *     default)
   */
  public record Options(
      Path data,
      String host,
      int httpPort,
      int raftPort,
      int nodes,
      int ringSegments,
      Duration lease,
      boolean forward,
      String store,
      Compactor.Options compaction,
      boolean secure) {

    public static Options defaults(Path data) {
      return new Options(
          data,
          "127.0.0.1",
          8081,
          7081,
          3,
          32,
          Duration.ofSeconds(10),
          false,
          null,
          Compactor.Options.DEFAULTS,
          false);
    }

    public Options withSecure(boolean secure) {
      return new Options(
          data,
          host,
          httpPort,
          raftPort,
          nodes,
          ringSegments,
          lease,
          forward,
          store,
          compaction,
          secure);
    }
  }

  private final Options options;
  private final KvStore store;
  private final HttpRuntime runtime;
  private final List<Node> nodes = new ArrayList<>();
  private final DevSecurity security;

  private DevCluster(Options options, KvStore store, HttpRuntime runtime, DevSecurity security) {
    this.options = options;
    this.store = store;
    this.runtime = runtime;
    this.security = security;
  }

  /** Starts every node and waits until all serve HTTP (or fails after {@code timeout}). */
  public static DevCluster start(Options options, Duration timeout) throws Exception {
    PrivateDirectory.create(options.data());
    String uri =
        options.store() != null
            ? options.store()
            : "rocksdb:" + options.data().toAbsolutePath().resolve("store");
    DevSecurity security =
        options.secure()
            ? DevSecurity.prepare(
                options.data(), options.nodes(), List.of(options.host()), Clock.systemUTC())
            : null;
    KvStore store = KvStores.open(uri);
    DevCluster cluster = new DevCluster(options, store, HttpRuntime.create(), security);
    try {
      Map<String, String> voters = new LinkedHashMap<>();
      for (int i = 1; i <= options.nodes(); i++) {
        voters.put("n" + i, options.host() + ":" + (options.raftPort() + i - 1));
      }
      PlacementConfig placement =
          new PlacementConfig(
              options.ringSegments(),
              options.nodes(),
              options.lease().toMillis(),
              PlacementConfig.DEFAULT.maxMovesPerTick());
      List<CompletableFuture<Void>> started = new ArrayList<>();
      for (int i = 1; i <= options.nodes(); i++) {
        int port = options.httpPort() + i - 1;
        SecurityOptions nodeSecurity = cluster.securityOf("n" + i);
        HttpApi.Options http =
            HttpApi.Options.defaults(options.host(), port)
                .withForward(options.forward())
                .withSecurity(
                    nodeSecurity.http(SecurityFlags.defaultLimits(), Set.of(), Clock.systemUTC()));
        Node node =
            new Node(
                new NodeConfig(
                    "n" + i,
                    http,
                    options.host() + ":" + port,
                    voters,
                    options.data().resolve("raft").resolve("n" + i),
                    placement,
                    SegmentAppender.Config.DEFAULT,
                    timeout,
                    options.compaction(),
                    null,
                    nodeSecurity),
                store,
                cluster.runtime);
        cluster.nodes.add(node);
        started.add(node.start());
      }
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  private SecurityOptions securityOf(String nodeId) {
    if (security == null) {
      return SecurityOptions.NONE;
    }
    DevSecurity.NodeFiles files = security.node(nodeId);
    return new SecurityOptions(
        files.key(),
        files.certificate(),
        files.ca(),
        security.permissions(),
        security.tokenConfig(),
        false);
  }

  /** The credentials of a secure cluster ({@link Options#secure()}); empty otherwise. */
  public Optional<DevSecurity> security() {
    return Optional.ofNullable(security);
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** The base URL of each node's HTTP API, in node order. */
  public List<String> urls() {
    String scheme = security == null ? "http://" : "https://";
    return nodes.stream().map(n -> scheme + options.host() + ":" + n.httpPort()).toList();
  }

  public KvStore store() {
    return store;
  }

  /**
   * Stops every node, then the store. Idempotent. The nodes stop together: one after another, the
   * ones still running kept calling the stopped ones' Raft peers, and logged each failure, for
   * seconds.
   */
  @Override
  public void close() {
    CompletableFuture.allOf(
            nodes.stream()
                .map(node -> CompletableFuture.runAsync(node::close, DevCluster::runOnNewThread))
                .toArray(CompletableFuture[]::new))
        .join();
    nodes.clear();
    runtime.close();
    store.close();
  }

  private static void runOnNewThread(Runnable task) {
    Thread thread = new Thread(task, "fossil-dev-stop");
    thread.start();
  }
}
