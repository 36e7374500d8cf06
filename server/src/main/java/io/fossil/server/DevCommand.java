package io.fossil.server;

import io.fossil.compaction.Compactor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fossil dev}: a 3-node cluster in this process on the embedded store. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a local cluster in one process on the embedded store (rocksdb: under --data).",
      "Data is kept across restarts. Stop it with Ctrl-C."
    })
final class DevCommand implements Callable<Integer> {

  @Option(names = "--data", description = "data directory (default: ${DEFAULT-VALUE})")
  Path data = Path.of("fossil-data");

  @Option(
      names = "--http-port",
      description = "HTTP port of the first node; the others follow (default: ${DEFAULT-VALUE})")
  int httpPort = 8081;

  @Option(
      names = "--raft-port",
      description = "placement (Raft) port of the first node (default: ${DEFAULT-VALUE})")
  int raftPort = 7081;

  @Option(
      names = "--host",
      description = "address to bind and advertise (default: ${DEFAULT-VALUE})")
  String host = "127.0.0.1";

  @Option(names = "--nodes", description = "number of nodes (default: ${DEFAULT-VALUE})")
  int nodes = 3;

  @Option(
      names = "--ring-segments",
      description = "segments the ring starts with (default: ${DEFAULT-VALUE})")
  int ringSegments = 32;

  @Option(
      names = "--forward",
      description = "nodes forward appends to the owner instead of answering 307")
  boolean forward;

  @Option(
      names = "--secure",
      description =
          "TLS and authentication: a local CA, node certificates and an admin token under"
              + " DATA/secure (ca.pem, admin.token), made once and reused")
  boolean secure;

  @Option(names = "--config", description = "properties file with defaults for these options")
  Path config;

  @Override
  public Integer call() throws Exception {
    if (nodes < 1 || nodes > 9) {
      System.err.println("--nodes must be between 1 and 9, was " + nodes);
      return 2;
    }
    quietRaftTransportWarnings();
    System.out.println("starting " + nodes + " nodes on " + data.toAbsolutePath() + " ...");
    DevCluster cluster =
        DevCluster.start(
            new DevCluster.Options(
                data,
                host,
                httpPort,
                raftPort,
                nodes,
                ringSegments,
                Duration.ofSeconds(10),
                forward,
                null,
                Compactor.Options.DEFAULTS,
                secure),
            Duration.ofSeconds(60));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("stopping ...");
                  cluster.close();
                  System.out.println("stopped; the data stays in " + data);
                  stopped.countDown();
                }));
    List<String> urls = cluster.urls();
    System.out.println(
        "Fossil dev cluster is up (store: rocksdb:" + data.toAbsolutePath().resolve("store") + ")");
    for (int i = 0; i < urls.size(); i++) {
      System.out.println("  node n" + (i + 1) + "  " + urls.get(i));
    }
    String url = urls.get(0);
    String curl = cluster.security().map(DevSecurity::curl).orElse("curl");
    System.out.println();
    cluster
        .security()
        .ifPresent(
            s ->
                System.out.println(
                    "TLS and authentication are on: the CA is "
                        + s.caCertificate()
                        + ", a token with every permission is in "
                        + s.adminToken()
                        + ", permissions in "
                        + s.permissions()));
    System.out.println("Try:");
    System.out.println(
        "  "
            + curl
            + (secure ? " --location-trusted" : " -L")
            + " -H 'content-type: application/json' -X POST "
            + url
            + "/streams/orders-1 -d '{\"events\":[{\"type\":\"Placed\",\"data\":{\"total\":42}}]}'");
    System.out.println("  " + curl + " " + url + "/streams/orders-1");
    System.out.println("  " + curl + " " + url + "/cluster");
    System.out.println("Ctrl-C stops the cluster; the data stays in " + data);
    stopped.await();
    return 0;
  }

  /**
   * All the nodes of {@code dev} live in this process, so a Raft peer's gRPC stream fails only
   * while the cluster stops; Ratis logs each such failure as a warning (a dozen lines, some with
   * stack traces, on every Ctrl-C). In {@code dev} its gRPC transport logs errors only, unless the
   * user chose a level ({@code -Dorg.slf4j.simpleLogger.log.org.apache.ratis.grpc=...}). Must run
   * before the first Ratis class loads: slf4j-simple reads a logger's level when it creates it.
   */
  private static void quietRaftTransportWarnings() {
    String property = "org.slf4j.simpleLogger.log.org.apache.ratis.grpc";
    if (System.getProperty(property) == null) {
      System.setProperty(property, "error");
    }
  }
}
