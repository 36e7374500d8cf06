package io.fossil.placement.ratis;

import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts real placement voters for the tests: Ratis over gRPC on loopback, long leases. */
final class TestVoters {

  private TestVoters() {}

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
