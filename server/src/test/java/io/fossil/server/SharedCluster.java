package io.fossil.server;

import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process cluster on {@code rocksdb:} for all the tests of a class, started before the first
 * and closed after the last: {@code @RegisterExtension static final SharedCluster cluster = new
 * SharedCluster(3, 4);}.
 */
final class SharedCluster implements BeforeAllCallback, AfterAllCallback {

  private final int nodes;
  private final int ringSegments;
  private Path data;
  private DevCluster cluster;

  SharedCluster(int nodes, int ringSegments) {
    this.nodes = nodes;
    this.ringSegments = ringSegments;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    data = Files.createTempDirectory("fossil-test-cluster");
    cluster = TestClusters.start(data, nodes, ringSegments, false, null);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    try (Stream<Path> files = Files.walk(data)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  DevCluster get() {
    return cluster;
  }

  List<Node> nodes() {
    return cluster.nodes();
  }

  /** The base URL of each node's HTTP API, in node order. */
  List<String> urls() {
    return cluster.urls();
  }

  KvStore store() {
    return cluster.store();
  }

  /** Placement as node n1 sees it. */
  PlacementView view() {
    return cluster.nodes().get(0).view();
  }
}
