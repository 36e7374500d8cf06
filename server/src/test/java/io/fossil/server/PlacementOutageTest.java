package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.ratis.RatisPlacementPeer;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #8's liveness bug at the node: a node that could not reach the placement group for a while
 * (a pause, a partition, the voters restarting) becomes ready again once the group is back, without
 * a restart. The node here is not a voter, so the whole group can go away and come back while the
 * node runs: three real voters over gRPC on loopback, stopped and started again on the same ports
 * and Raft logs.
 */
class PlacementOutageTest {

  private static final PlacementConfig PLACEMENT = new PlacementConfig(4, 1, 2_000, 4);

  @TempDir Path dir;
  private final Map<String, String> voters = new LinkedHashMap<>();
  private final List<RatisPlacementPeer> peers = new ArrayList<>();
  private final String group = Node.GROUP;
  private KvStore store;
  private HttpRuntime runtime;
  private Node node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    peers.forEach(RatisPlacementPeer::close);
    if (runtime != null) {
      runtime.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aNodeIsReadyAgainOnceThePlacementGroupIsBack() throws Exception {
    store = KvStores.open("mem:outage-" + UUID.randomUUID());
    int raft = Ports.freeRun(3);
    for (int i = 0; i < 3; i++) {
      voters.put("p" + (i + 1), "127.0.0.1:" + (raft + i));
    }
    startVoters();
    runtime = HttpRuntime.create();
    int http = Ports.freeRun(1);
    node =
        new Node(
            new NodeConfig(
                "n1",
                HttpApi.Options.defaults("127.0.0.1", http),
                "127.0.0.1:" + http,
                voters,
                dir.resolve("n1-raft"),
                PLACEMENT,
                SegmentAppender.Config.DEFAULT,
                Duration.ofSeconds(60),
                Compactor.Options.DEFAULTS,
                null,
                SecurityOptions.NONE),
            store,
            runtime);
    node.start().get(60, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> node.notReadyReason() == null);

    // The fault: every voter goes away; connections to them are refused at once.
    peers.forEach(RatisPlacementPeer::close);
    peers.clear();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> String.valueOf(node.notReadyReason()).contains("lease has lapsed"));
    // The fault lasts 20 s: long enough for a placement call to run out of retries.
    await()
        .during(Duration.ofSeconds(20))
        .atMost(Duration.ofSeconds(25))
        .until(() -> node.notReadyReason() != null);
    assertThat(node.notReadyReason()).contains("last: ");

    startVoters();
    await().atMost(Duration.ofSeconds(60)).until(() -> node.notReadyReason() == null);
  }

  private void startVoters() throws Exception {
    for (String id : voters.keySet()) {
      RatisPlacementPeer peer =
          new RatisPlacementPeer(
              new RatisPlacementPeer.Config(
                  id, voters, dir.resolve(id), group, PLACEMENT, Duration.ofMillis(200), 1000),
              store,
              Clock.systemUTC());
      peers.add(peer);
      peer.start().get(30, TimeUnit.SECONDS);
    }
  }
}
