package io.fossil.server;

import static org.awaitility.Awaitility.await;

import io.fossil.compaction.Compactor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/** Starts in-process clusters for the tests and finds streams by who owns them. */
final class TestClusters {

  private TestClusters() {}

  /**
   * Starts {@code nodes} nodes on free loopback ports (5 s leases) and waits until every one is
   * ready. {@code store} null means {@code rocksdb:} under {@code data}.
   */
  static DevCluster start(Path data, int nodes, int ringSegments, boolean forward, String store)
      throws Exception {
    DevCluster cluster =
        DevCluster.start(
            new DevCluster.Options(
                data,
                "127.0.0.1",
                Ports.freeRun(nodes),
                Ports.freeRun(nodes),
                nodes,
                ringSegments,
                Duration.ofSeconds(5),
                forward,
                store,
                Compactor.Options.DEFAULTS,
                false),
            Duration.ofSeconds(60));
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.nodes().stream().allMatch(n -> n.notReadyReason() == null));
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** The owner of the open segment that covers {@code stream}, as node n1 sees it. */
  static String owner(DevCluster cluster, String stream) {
    return cluster.nodes().get(0).view().openSegmentFor(stream).orElseThrow().owner();
  }

  /**
   * A fresh stream name whose owner satisfies {@code wanted}. The category (the name up to its
   * first '-') varies, since it decides the upper half of the ring point.
   */
  static String streamOwned(DevCluster cluster, String prefix, Predicate<String> wanted) {
    return IntStream.range(0, 1000)
        .mapToObj(i -> prefix + UUID.randomUUID().toString().replace("-", "") + "-1")
        .filter(s -> wanted.test(owner(cluster, s)))
        .findFirst()
        .orElseThrow();
  }
}
