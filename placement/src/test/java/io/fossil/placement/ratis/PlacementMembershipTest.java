package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply;
import io.fossil.placement.VotersReply.Code;
import io.fossil.security.CertificateAuthority;
import io.fossil.security.IssuedCertificate;
import io.fossil.security.TlsMaterial;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership changes of a real placement group (ADR 29): voters over gRPC with mutual TLS and node
 * certificates, changed through {@link PlacementMembership} while a client keeps committing
 * commands. The group grows from three voters to five, and a voter whose Raft storage is wiped
 * waits until it is removed, then comes back under its own id.
 */
class PlacementMembershipTest {

  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Duration YEAR = Duration.ofDays(365);

  @TempDir static Path certs;
  private static final Map<String, TlsMaterial> nodes = new HashMap<>();

  @TempDir Path dir;
  private TestGroup group;
  private RatisPlacementClient client;
  private final AtomicBoolean loading = new AtomicBoolean();
  private final AtomicInteger committed = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private Thread load;

  @BeforeAll
  static void issueCertificates() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", YEAR, Clock.systemUTC());
    Path caPem = certs.resolve("ca.pem");
    ca.write(caPem, certs.resolve("ca.key"));
    List<InetAddress> loopback = List.of(InetAddress.getByName("127.0.0.1"));
    for (String id : List.of("p1", "p2", "p3", "p4", "p5", "n1")) {
      IssuedCertificate cert = ca.issueNode(id, List.of("localhost"), loopback, YEAR);
      cert.write(certs.resolve(id + ".pem"), certs.resolve(id + ".key"));
      nodes.put(
          id, TlsMaterial.load(certs.resolve(id + ".key"), certs.resolve(id + ".pem"), caPem));
    }
  }

  @AfterEach
  void stop() throws Exception {
    loading.set(false);
    if (load != null) {
      load.join(30_000);
    }
    if (client != null) {
      client.close();
    }
    if (group != null) {
      group.close();
    }
  }

  @Test
  void theGroupGrowsFromThreeVotersToFive() throws Exception {
    startGroupUnderLoad();
    PlacementMembership reader = membership("p1");
    Voters three = reader.voters().get(30, TimeUnit.SECONDS);
    assertThat(three.voters()).extracting(Voters.Voter::id).containsExactly("p1", "p2", "p3");
    assertThat(three.changing()).isFalse();
    await()
        .atMost(BOUND)
        .until(
            () ->
                reader.voters().get(30, TimeUnit.SECONDS).voters().stream()
                    .allMatch(Voters.Voter::healthy));
    reader.close();

    // A node that is not a voter may read the voters but not change them.
    try (PlacementMembership n1 = membership("n1")) {
      assertThat(n1.voters().get(30, TimeUnit.SECONDS).leader()).isEqualTo(three.leader());
      VotersReply refused =
          n1.change(new VoterChange.Remove(List.of("p3")), "n1").get(30, TimeUnit.SECONDS);
      assertThat(refused).isInstanceOf(VotersReply.Refused.class);
      assertThat(((VotersReply.Refused) refused).code()).isEqualTo(Code.NOT_A_VOTER);
      // Past its own check, the voters' interceptor refuses it too.
      assertThatThrownBy(
              () ->
                  n1.change(new VoterChange.Remove(List.of("p3")), null).get(30, TimeUnit.SECONDS))
          .hasStackTraceContaining("PERMISSION_DENIED");
    }

    String p4 = group.newAddress("p4");
    String p5 = group.newAddress("p5");
    // The cluster exists, so new nodes start outside the configuration and wait to be added.
    group.start("p4");
    group.start("p5");
    PlacementMembership p1 = membership("p1");
    Map<String, Optional<String>> add = new LinkedHashMap<>();
    add.put("p4", Optional.of(p4));
    add.put("p5", Optional.empty()); // p1 knows p5's address from its own voters
    VotersReply reply = p1.change(new VoterChange.Add(add), "p1").get(60, TimeUnit.SECONDS);
    assertThat(reply).isInstanceOf(VotersReply.Changed.class);
    assertThat(((VotersReply.Changed) reply).voters().voters())
        .extracting(Voters.Voter::id)
        .containsExactly("p1", "p2", "p3", "p4", "p5");
    await()
        .atMost(BOUND)
        .until(
            () ->
                p1.voters().get(30, TimeUnit.SECONDS).voters().stream()
                    .allMatch(v -> v.healthy() && v.commitIndex() > 0));
    // The new voters replicate the state machine, not only the log.
    long version = client.view().get(30, TimeUnit.SECONDS).version();
    await().atMost(BOUND).until(() -> group.peer("p5").localView().version() >= version);
    // Nothing it asks again changes anything.
    VotersReply again = p1.change(new VoterChange.Add(add), "p1").get(30, TimeUnit.SECONDS);
    assertThat(((VotersReply.Refused) again).code()).isEqualTo(Code.UNCHANGED);
    stopLoad();
    p1.close();
  }

  @Test
  void aVoterWhoseStorageIsLostWaitsUntilItIsReplaced() throws Exception {
    startGroupUnderLoad();
    PlacementMembership p1 = membership("p1");
    group.stop(group.peer("p2"));
    group.wipe("p2");
    await()
        .atMost(BOUND)
        .until(
            () ->
                p1.voters()
                    .get(30, TimeUnit.SECONDS)
                    .voter("p2")
                    .map(v -> !v.healthy())
                    .orElse(false));

    // Removing a voter that answers while another is down would stop the group: refused.
    VotersReply refused =
        p1.change(new VoterChange.Remove(List.of("p3")), "p1").get(30, TimeUnit.SECONDS);
    assertThat(((VotersReply.Refused) refused).code()).isEqualTo(Code.NO_LIVE_MAJORITY);
    assertThat(p1.voters().get(30, TimeUnit.SECONDS).voters()).hasSize(3);

    // Its node comes back with an empty Raft directory: the store says it had one and the group
    // still lists it, so it does not start a voter in place of the one it was.
    RatisPlacementPeer back = group.start("p2");
    assertThat(back.waiting()).hasValueSatisfying(w -> assertThat(w).contains("fossil voters"));
    assertThat(back.isLeader()).isFalse();

    VotersReply replaced = p1.change(new VoterChange.Replace("p2"), "p1").get(90, TimeUnit.SECONDS);
    assertThat(replaced).isInstanceOf(VotersReply.Changed.class);
    assertThat(((VotersReply.Changed) replaced).voters().voters())
        .extracting(Voters.Voter::id)
        .containsExactly("p1", "p2", "p3");
    assertThat(back.waiting()).isEmpty();
    await()
        .atMost(BOUND)
        .until(
            () ->
                p1.voters().get(30, TimeUnit.SECONDS).voters().stream()
                    .allMatch(v -> v.healthy() && v.commitIndex() > 0));
    long version = client.view().get(30, TimeUnit.SECONDS).version();
    await().atMost(BOUND).until(() -> back.localView().version() >= version);
    stopLoad();
    p1.close();
  }

  /** Starts p1..p3 and a client that heartbeats as fast as the group commits, counting results. */
  private void startGroupUnderLoad() throws Exception {
    group =
        new TestGroup(
            dir.resolve("raft"), 200, id -> ControlPlaneSecurity.mutualTls(nodes.get(id)));
    group.startAll();
    client =
        RatisPlacementClient.connect(
            group.name,
            Map.copyOf(group.addresses),
            Duration.ofSeconds(3),
            Duration.ofSeconds(15),
            ControlPlaneSecurity.mutualTls(nodes.get("n1")));
    assertThat(
            client
                .submit(new PlacementCommand.Register("n1", 1, "http://n1", "n1:1"))
                .get(30, TimeUnit.SECONDS))
        .isInstanceOf(PlacementReply.Leased.class);
    // The cluster record exists once the leader reserved sequences: from then on, a voter that
    // starts with new storage joins instead of founding a group.
    await().atMost(BOUND).until(() -> client.view().get(30, TimeUnit.SECONDS).clusterId() != null);
    loading.set(true);
    load =
        new Thread(
            () -> {
              while (loading.get()) {
                try {
                  client.submit(new PlacementCommand.Heartbeat("n1", 1)).get(30, TimeUnit.SECONDS);
                  committed.incrementAndGet();
                } catch (Exception e) {
                  failed.incrementAndGet();
                }
              }
            },
            "membership-test-load");
    load.start();
  }

  /** Stops the load: it went on through the change, and no command failed. */
  private void stopLoad() throws Exception {
    loading.set(false);
    load.join(30_000);
    assertThat(committed.get()).isGreaterThan(10);
    assertThat(failed.get()).isZero();
  }

  /** Node {@code id}'s client of the group, knowing the addresses the test has handed out. */
  private PlacementMembership membership(String id) {
    return PlacementMembership.connect(
        group.name, Map.copyOf(group.addresses), ControlPlaneSecurity.mutualTls(nodes.get(id)));
  }
}
