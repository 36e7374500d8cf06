package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.PlacementCodec;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three placement voters in this JVM, talking Raft over gRPC on loopback. */
class RatisPlacementGroupTest {

  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path dir;
  private TestGroup group;
  private List<RatisPlacementPeer> peers;
  private RatisPlacementClient client;

  @BeforeEach
  void startGroup() throws Exception {
    group = new TestGroup(dir, 10);
    peers = group.peers;
    group.startAll();
    client = RatisPlacementClient.connect(group.name, group.addresses, Duration.ofSeconds(10));
  }

  @AfterEach
  void stopGroup() {
    if (client != null) {
      client.close();
    }
    group.close();
  }

  @Test
  void electsAppliesSurvivesLeaderLossAndReplicasAgree() throws Exception {
    registerThreeNodes();
    await().atMost(BOUND).until(() -> client.view().get().segments().size() == 8);

    RatisPlacementPeer leader = awaitLeader();
    group.stop(leader);
    RatisPlacementPeer next = awaitLeader();
    assertThat(next).isNotSameAs(leader);

    // A long poll wakes up on the next change, well before its own deadline.
    long version = client.view().get().version();
    var change = client.awaitChange(version, Duration.ofMinutes(5));
    Segment victim = client.view().get().segments().get(0);
    PlacementReply moved =
        client.submit(new PlacementCommand.Move(victim.id(), "n3")).get(30, TimeUnit.SECONDS);
    assertThat(moved).isInstanceOf(PlacementReply.Changed.class);
    assertThat(change.get(30, TimeUnit.SECONDS).version()).isGreaterThan(version);
    PlacementReply split =
        client
            .submit(
                new PlacementCommand.Split(((PlacementReply.Changed) moved).created().get(0), null))
            .get(30, TimeUnit.SECONDS);
    assertThat(split).isInstanceOf(PlacementReply.Changed.class);

    assertReplicasIdentical();
  }

  @Test
  void aRestartedPeerCatchesUpFromSnapshotAndLog() throws Exception {
    registerThreeNodes();
    for (int i = 0; i < 30; i++) {
      client.submit(new PlacementCommand.Heartbeat("n" + (1 + i % 3), 1)).get(30, TimeUnit.SECONDS);
    }
    RatisPlacementPeer follower =
        peers.stream().filter(p -> !p.isLeader()).findFirst().orElseThrow();
    await()
        .atMost(BOUND)
        .until(() -> follower.localView().version() == client.view().get().version());
    follower.takeSnapshot();
    group.stop(follower);
    try (Stream<Path> files = Files.walk(dir.resolve(follower.nodeId()))) {
      assertThat(files.map(Path::toString)).anyMatch(f -> f.contains("snapshot"));
    }

    for (int i = 0; i < 20; i++) {
      client.submit(new PlacementCommand.Heartbeat("n" + (1 + i % 3), 1)).get(30, TimeUnit.SECONDS);
    }
    RatisPlacementPeer restarted = group.start(follower.nodeId());
    await()
        .atMost(BOUND)
        .until(() -> restarted.localView().version() >= client.view().get().version());
    assertReplicasIdentical();
  }

  @Test
  void aPeerRestartedWhileItsPortIsTakenStartsOnceThePortIsFree() throws Exception {
    registerThreeNodes();
    RatisPlacementPeer follower =
        peers.stream().filter(p -> !p.isLeader()).findFirst().orElseThrow();
    String id = follower.nodeId();
    group.stop(follower);
    int port = Integer.parseInt(group.addresses.get(id).substring("127.0.0.1:".length()));
    CompletableFuture<RatisPlacementPeer> restart;
    try (ServerSocket squatter = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(squatter.isBound()).isTrue();
      restart =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return group.start(id);
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });
      // Ratis would have ended this JVM here; the harness sees the failure and waits instead.
      await().atMost(BOUND).until(() -> group.portTakenCount() >= 1);
      assertThat(restart).isNotDone();
    }
    RatisPlacementPeer restarted = restart.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    await()
        .atMost(BOUND)
        .until(() -> restarted.localView().version() >= client.view().get().version());
    assertReplicasIdentical();
  }

  @Test
  void theLeaderSaysHowLongItsQuietestFollowerHasBeenSilent() {
    RatisPlacementPeer leader = awaitLeader();
    // Heartbeats reach both followers: the silence stays under a few heartbeat intervals.
    await()
        .atMost(BOUND)
        .until(() -> leader.longestFollowerSilenceMillis().orElse(Long.MAX_VALUE) < 500);
    assertThat(peers.stream().filter(p -> p != leader))
        .allSatisfy(p -> assertThat(p.longestFollowerSilenceMillis()).isEmpty());

    RatisPlacementPeer follower = peers.stream().filter(p -> p != leader).findFirst().orElseThrow();
    group.stop(follower);
    // The other follower keeps the majority, so the leader stays and sees one link down.
    await().atMost(BOUND).until(() -> leader.longestFollowerSilenceMillis().orElse(-1) > 3_000);
    assertThat(leader.isLeader()).isTrue();
  }

  @Test
  void eachVoterListensOnlyOnTheHostOfItsOwnRaftAddress() throws Exception {
    for (String address : group.addresses.values()) {
      int port = RatisGroups.port(address);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        assertThat(s.isConnected()).isTrue();
      }
      // Another loopback address reaches the same machine, but nothing listens there: the port
      // is bound to 127.0.0.1 alone, not to every interface.
      assertThatThrownBy(
              () -> {
                try (Socket s = new Socket()) {
                  s.connect(new InetSocketAddress("127.0.0.2", port), 5_000);
                }
              })
          .isInstanceOf(ConnectException.class);
    }
  }

  private void registerThreeNodes() throws Exception {
    for (int i = 1; i <= 3; i++) {
      PlacementReply r =
          client
              .submit(new PlacementCommand.Register("n" + i, 1, "http://n" + i, "n" + i + ":1"))
              .get(30, TimeUnit.SECONDS);
      assertThat(r).isInstanceOf(PlacementReply.Leased.class);
    }
  }

  private RatisPlacementPeer awaitLeader() {
    return await()
        .atMost(BOUND)
        .until(
            () -> peers.stream().filter(RatisPlacementPeer::isLeader).findFirst().orElse(null),
            p -> p != null);
  }

  /** Every live replica applies the same log to the same state (byte for byte). */
  private void assertReplicasIdentical() throws Exception {
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> {
              PlacementView linearized = client.view().get();
              for (RatisPlacementPeer p : peers) {
                PlacementView local = p.localView();
                assertThat(local.version()).isGreaterThanOrEqualTo(linearized.version());
              }
              byte[] first = PlacementCodec.encode(peers.get(0).localView());
              for (RatisPlacementPeer p : peers) {
                assertThat(PlacementCodec.encode(p.localView())).isEqualTo(first);
              }
            });
  }
}
