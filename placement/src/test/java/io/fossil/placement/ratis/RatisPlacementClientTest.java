package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client side of issue #8's liveness bug, against three real voters over gRPC on loopback:
 * every call ends, one call that waits or fails does not stall or break the calls after it, and a
 * client outlives an outage of the whole group.
 */
class RatisPlacementClientTest {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  @TempDir Path dir;
  private final List<RatisPlacementClient> clients = new ArrayList<>();
  private TestGroup group;

  @BeforeEach
  void createGroup() throws Exception {
    group = new TestGroup(dir, 1000);
  }

  @AfterEach
  void stop() {
    clients.forEach(RatisPlacementClient::close);
    group.close();
  }

  @Test
  void aClientWorksAgainOnceTheGroupIsBackAfterACallGaveUp() throws Exception {
    // The group is down (nothing listens on its ports): connections are refused at once, so the
    // Ratis client burns through its retries quickly.
    RatisPlacementClient client = connect();
    CompletableFuture<PlacementReply> lost = client.submit(register("n1"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> lost.isDone() && lost.isCompletedExceptionally());

    group.startAll();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> client.submit(register("n1")).get(10, TimeUnit.SECONDS), r -> r != null);
  }

  @Test
  void aLongPollThatWaitsHoldsBackNoCommand() throws Exception {
    group.startAll();
    RatisPlacementClient client = connect();
    client.submit(register("n1")).get(30, TimeUnit.SECONDS);

    // No version will ever pass this one: the poll waits its whole time on the server.
    CompletableFuture<PlacementView> poll =
        client.awaitChange(Long.MAX_VALUE - 1, Duration.ofSeconds(6));
    assertThat(client.submit(new PlacementCommand.Heartbeat("n1", 1)).get(5, TimeUnit.SECONDS))
        .isInstanceOf(PlacementReply.Leased.class);
    assertThat(poll).isNotDone();
    // The poll outlives several request timeouts and still answers with the current placement.
    assertThat(poll.get(30, TimeUnit.SECONDS).version()).isPositive();
  }

  @Test
  void noCallBlocksItsCallerWhileTheGroupIsDown() {
    RatisPlacementClient client = connect();
    List<CompletableFuture<PlacementReply>> calls = new CopyOnWriteArrayList<>();
    Thread caller =
        new Thread(
            () -> {
              for (int i = 0; i < RatisPlacementClient.MAX_OUTSTANDING + 100; i++) {
                calls.add(client.submit(new PlacementCommand.Heartbeat("n1", 1)));
              }
            });
    caller.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> !caller.isAlive());
    // ...and every one of them ends, failed, within its bound.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> calls.stream().allMatch(CompletableFuture::isCompletedExceptionally));
  }

  @Test
  void aClientThatTimedOutOnAHungVoterTriesAnotherNext() throws Exception {
    group.startAll();
    // p1 leaves; where the client looks for it, a socket accepts connections and never answers:
    // what a voter cut off by a partition looks like from outside.
    group.stop(group.peers.get(0));
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Map<String, String> seen = new LinkedHashMap<>(group.addresses);
      seen.put("p1", "127.0.0.1:" + silent.getLocalPort());
      RatisPlacementClient client =
          RatisPlacementClient.connect(group.name, seen, REQUEST_TIMEOUT, REQUEST_TIMEOUT);
      clients.add(client);
      assertThat(client.currentTarget()).as("a new client's first try").hasToString("p1");

      assertThat(client.submit(register("n1"))).failsWithin(Duration.ofSeconds(10));
      // Trying p1 again would hang again, however long ago p2 and p3 elected a leader.
      assertThat(client.currentTarget()).isNotEqualTo(RaftPeerId.valueOf("p1"));
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> client.submit(register("n1")).get(10, TimeUnit.SECONDS), r -> r != null);
      assertThat(client.currentTarget()).isNotEqualTo(RaftPeerId.valueOf("p1"));
    }
  }

  private RatisPlacementClient connect() {
    RatisPlacementClient client =
        RatisPlacementClient.connect(group.name, group.addresses, REQUEST_TIMEOUT);
    clients.add(client);
    return client;
  }

  private static PlacementCommand.Register register(String node) {
    return new PlacementCommand.Register(node, 1, "http://" + node, "");
  }
}
