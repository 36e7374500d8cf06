package io.fossil.placement.ratis;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.placement.PlacementConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A test's placement group: a fresh group name and in-memory store, voters p1, p2 and p3 on free
 * loopback ports (Ratis over gRPC, long leases), and the voters started so far. Closing it stops
 * them and the store.
 */
final class TestGroup implements AutoCloseable {

  final String name = "test-" + UUID.randomUUID();
  final KvStore store = KvStores.open("mem:" + name);
  final Map<String, String> addresses = new LinkedHashMap<>();
  final List<RatisPlacementPeer> peers = new ArrayList<>();
  private final Path dir;
  private final long snapshotEvery;

  /** Voters keep their Raft storage under {@code dir/id} and snapshot every so many entries. */
  TestGroup(Path dir, long snapshotEvery) throws IOException {
    this.dir = dir;
    this.snapshotEvery = snapshotEvery;
    for (String id : List.of("p1", "p2", "p3")) {
      try (ServerSocket s = new ServerSocket(0)) {
        addresses.put(id, "127.0.0.1:" + s.getLocalPort());
      }
    }
  }

  /** Starts every voter. */
  void startAll() throws Exception {
    for (String id : addresses.keySet()) {
      start(id);
    }
  }

  /** Starts voter {@code id} (again, after {@link #stop}: it recovers from its storage). */
  RatisPlacementPeer start(String id) throws Exception {
    RatisPlacementPeer peer =
        new RatisPlacementPeer(
            new RatisPlacementPeer.Config(
                id,
                addresses,
                dir.resolve(id),
                name,
                new PlacementConfig(8, 3, 600_000, 4),
                Duration.ofMillis(100),
                snapshotEvery),
            store,
            Clock.systemUTC());
    peer.start().get(30, TimeUnit.SECONDS);
    peers.add(peer);
    return peer;
  }

  /** Stops a voter and forgets it. */
  void stop(RatisPlacementPeer peer) {
    peer.close();
    peers.remove(peer);
  }

  @Override
  public void close() {
    peers.forEach(RatisPlacementPeer::close);
    store.close();
  }
}
