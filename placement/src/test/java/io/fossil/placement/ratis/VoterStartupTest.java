package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.placement.Voters;
import io.fossil.placement.ratis.VoterStartup.Mode;
import io.fossil.storage.ClusterRecord;
import io.fossil.storage.Keyspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a voter's Raft server starts, row by row of {@link VoterStartup}'s table (ADR 29). */
class VoterStartupTest {

  private static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.randomUUID());

  @TempDir Path dir;
  private final KvStore store = KvStores.open("mem:startup-" + UUID.randomUUID());
  private final AtomicReference<Voters> group = new AtomicReference<>();
  private final AtomicInteger asked = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aNewVoterOfANewClusterBootstrapsAndRecordsThatItHasStorage() throws Exception {
    assertThat(decide("n1")).isEqualTo(Mode.BOOTSTRAP);
    assertThat(store.get(Keyspace.voterKey("n1")).get(10, TimeUnit.SECONDS)).isPresent();
    assertThat(Files.readString(dir.resolve("n1").resolve(VoterStartup.MARKER)).strip())
        .isEqualTo("BOOTSTRAP");
    // Started again before Ratis wrote anything: the same storage, the same way.
    assertThat(decide("n1")).isEqualTo(Mode.RECOVER);
    assertThat(asked).hasValue(0);
  }

  @Test
  void aNewVoterOfAClusterThatExistsJoinsOutsideTheConfiguration() throws Exception {
    clusterExists();
    assertThat(decide("n4")).isEqualTo(Mode.JOIN);
    assertThat(decide("n4")).isEqualTo(Mode.JOIN);
    assertThat(asked).hasValue(0);
  }

  @Test
  void ratisStorageRecoversAndGetsItsRecordIfItHadNone() throws Exception {
    Files.createDirectories(dir.resolve("n1").resolve(GROUP.getUuid().toString()));
    assertThat(decide("n1")).isEqualTo(Mode.RECOVER);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> store.get(Keyspace.voterKey("n1")).get().isPresent());
  }

  @Test
  void aVoterWhoseStorageIsLostWaitsWhileTheGroupListsItThenJoins() throws Exception {
    clusterExists();
    assertThat(decide("n2")).isEqualTo(Mode.JOIN);
    // n2's disk is lost: the record stays, the directory goes.
    deleteTree(dir.resolve("n2"));
    group.set(voters("n1", "n2", "n3"));
    AtomicBoolean waited = new AtomicBoolean();
    VoterStartup startup = startup("n2");
    CompletableFuture<Mode> decided = startup.decide(() -> waited.set(true));
    await().atMost(Duration.ofSeconds(10)).until(waited::get);
    assertThat(startup.waiting()).contains("n2").contains("fossil voters replace n2");
    assertThat(decided).isNotDone();

    group.set(voters("n1", "n3"));
    assertThat(decided.get(10, TimeUnit.SECONDS)).isEqualTo(Mode.JOIN);
    assertThat(startup.waiting()).isNull();
    assertThat(Files.readString(dir.resolve("n2").resolve(VoterStartup.MARKER)).strip())
        .isEqualTo("JOIN");
  }

  @Test
  void aLostVoterKeepsWaitingWhileTheGroupCannotSayAndStopsWhenClosed() throws Exception {
    clusterExists();
    decide("n2");
    deleteTree(dir.resolve("n2"));
    VoterStartup startup = startup("n2");
    CompletableFuture<Mode> decided = startup.decide(() -> {});
    await().atMost(Duration.ofSeconds(10)).until(() -> asked.get() >= 2);
    assertThat(startup.waiting()).contains("cannot say");
    closed.set(true);
    await().atMost(Duration.ofSeconds(10)).until(decided::isDone);
    assertThat(decided).isCompletedExceptionally();
  }

  private Mode decide(String id) throws Exception {
    return startup(id).decide(() -> {}).get(10, TimeUnit.SECONDS);
  }

  private VoterStartup startup(String id) {
    return new VoterStartup(
        id,
        dir.resolve(id),
        GROUP,
        store,
        () -> {
          asked.incrementAndGet();
          Voters v = group.get();
          return v == null
              ? CompletableFuture.failedFuture(new IllegalStateException("no leader"))
              : CompletableFuture.completedFuture(v);
        },
        closed::get,
        Clock.systemUTC());
  }

  private void clusterExists() throws Exception {
    store
        .write(
            WriteBatch.builder()
                .put(Keyspace.clusterKey(), new ClusterRecord("c-1", 4096).encode())
                .build())
        .get(10, TimeUnit.SECONDS);
  }

  private static Voters voters(String... ids) {
    return new Voters(
        ids[0],
        false,
        java.util.Arrays.stream(ids)
            .map(id -> new Voters.Voter(id, id + ":7081", Voters.Role.FOLLOWER, 1, 1, true))
            .toList(),
        List.of());
  }

  private static void deleteTree(Path root) throws Exception {
    try (var files = Files.walk(root)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
