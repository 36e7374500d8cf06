package io.fossil.placement.ratis;

import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts real placement voters for the tests: Ratis over gRPC on loopback, long leases. */
final class TestVoters {

  private TestVoters() {}

  /** Voters p1, p2 and p3 on free loopback ports, in that order. */
  static Map<String, String> addresses() throws IOException {
    Map<String, String> addresses = new LinkedHashMap<>();
    for (String id : List.of("p1", "p2", "p3")) {
      try (ServerSocket s = new ServerSocket(0)) {
        addresses.put(id, "127.0.0.1:" + s.getLocalPort());
      }
    }
    return addresses;
  }

  /** Starts voter {@code id} of {@code addresses} with its Raft storage under {@code dir/id}. */
  static RatisPlacementPeer start(
      String id,
      Map<String, String> addresses,
      Path dir,
      String group,
      KvStore store,
      long snapshotEvery)
      throws Exception {
    RatisPlacementPeer peer =
        new RatisPlacementPeer(
            new RatisPlacementPeer.Config(
                id,
                addresses,
                dir.resolve(id),
                group,
                new PlacementConfig(8, 3, 600_000, 4),
                Duration.ofMillis(100),
                snapshotEvery),
            store,
            Clock.systemUTC());
    peer.start().get(30, TimeUnit.SECONDS);
    return peer;
  }
}
