package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.ratis.RatisPlacementPeer;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.storage.Keyspace;
import io.fossil.storage.NodeIncarnation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 33's finding 4: a node process's incarnation was its start's wall-clock millisecond, so a
 * restarted process could get its zombie predecessor's and renew the old lease in place. The store
 * issues them now: two starts of one node id in the same millisecond (the test's fixed clock) get
 * different incarnations, the later one the greater, and the zombie's heartbeat is refused.
 */
class NodeIncarnationTest {

  private static final long NOW = 1_700_000_000_000L;
  private static final Clock SAME_MILLISECOND =
      Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
  private static final PlacementConfig PLACEMENT = new PlacementConfig(4, 1, 2_000, 4);
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mem", "rocksdb"})
  void startsInTheSameMillisecondGetGrowingIncarnations(String kind) throws Exception {
    KvStore store =
        opened(
            KvStores.open(
                kind.equals("mem")
                    ? "mem:inc-" + UUID.randomUUID()
                    : "rocksdb:" + dir.resolve("db")));
    long first =
        Incarnations.issue(store, "n1", SAME_MILLISECOND::millis).get(30, TimeUnit.SECONDS);
    long second =
        Incarnations.issue(store, "n1", SAME_MILLISECOND::millis).get(30, TimeUnit.SECONDS);
    assertThat(second).isGreaterThan(first);
    assertThat(first).isEqualTo(NOW * NodeIncarnation.PER_MILLISECOND);
    // Another node id has its own sequence.
    assertThat(Incarnations.issue(store, "n2", SAME_MILLISECOND::millis).get(30, TimeUnit.SECONDS))
        .isEqualTo(first);

    // Starts racing each other each get their own (the losers of a compare-and-set go again).
    List<CompletableFuture<Long>> racing = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      racing.add(Incarnations.issue(store, "n1", SAME_MILLISECOND::millis));
    }
    Set<Long> issued = new HashSet<>(List.of(first, second));
    for (CompletableFuture<Long> f : racing) {
      long incarnation = f.get(30, TimeUnit.SECONDS);
      assertThat(incarnation).isGreaterThan(second);
      assertThat(issued.add(incarnation)).as("issued twice: %d", incarnation).isTrue();
    }
    long last = issued.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertThat(
            store
                .get(Keyspace.nodeKey("n1"))
                .get(30, TimeUnit.SECONDS)
                .map(NodeIncarnation::decode))
        .contains(new NodeIncarnation(last));
  }

  @Test
  void aZombieStartedInTheSameMillisecondAsItsSuccessorCannotRenew() throws Exception {
    KvStore store = opened(KvStores.open("mem:zombie-" + UUID.randomUUID()));
    Map<String, String> voters = new LinkedHashMap<>();
    int raft = Ports.freeRun(3);
    for (int i = 0; i < 3; i++) {
      voters.put("p" + (i + 1), "127.0.0.1:" + (raft + i));
    }
    for (String id : voters.keySet()) {
      RatisPlacementPeer peer =
          opened(
              new RatisPlacementPeer(
                  new RatisPlacementPeer.Config(
                      id,
                      voters,
                      dir.resolve(id),
                      Node.GROUP,
                      PLACEMENT,
                      Duration.ofMillis(200),
                      1000),
                  store,
                  Clock.systemUTC()));
      peer.start().get(30, TimeUnit.SECONDS);
    }
    HttpRuntime runtime = opened(HttpRuntime.create());

    Node zombie = opened(node("zombie", voters, store, runtime));
    zombie.start().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    await().atMost(BOUND).until(() -> zombie.notReadyReason() == null);

    // The same node id starts again in the same millisecond while the old process lives on.
    Node successor = opened(node("successor", voters, store, runtime));
    assertThat(successor.incarnation()).isGreaterThan(zombie.incarnation());
    successor.start().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    await().atMost(BOUND).until(() -> successor.notReadyReason() == null);

    PlacementReply renewal =
        zombie
            .submit(new PlacementCommand.Heartbeat("n1", zombie.incarnation()))
            .get(30, TimeUnit.SECONDS);
    assertThat(renewal).isInstanceOf(PlacementReply.Rejected.class);
    assertThat(((PlacementReply.Rejected) renewal).code())
        .isEqualTo(PlacementReply.Code.STALE_INCARNATION);
    PlacementView view = successor.view();
    assertThat(view.member("n1").orElseThrow().incarnation()).isEqualTo(successor.incarnation());
    assertThat(view.segments().stream().filter(Segment::isOpen))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.ownerIncarnation()).isEqualTo(successor.incarnation()));
    await()
        .atMost(BOUND)
        .until(() -> String.valueOf(zombie.notReadyReason()).contains("lease has lapsed"));
  }

  private Node node(String name, Map<String, String> voters, KvStore store, HttpRuntime runtime) {
    int http = Ports.freeRun(1);
    return new Node(
        new NodeConfig(
            "n1",
            HttpApi.Options.defaults("127.0.0.1", http),
            "127.0.0.1:" + http,
            voters,
            dir.resolve(name + "-raft"),
            PLACEMENT,
            SegmentAppender.Config.DEFAULT,
            BOUND,
            Compactor.Options.DEFAULTS,
            null,
            SecurityOptions.NONE),
        store,
        runtime,
        SAME_MILLISECOND);
  }

  private <T extends AutoCloseable> T opened(T closeable) {
    open.add(closeable);
    return closeable;
  }
}
