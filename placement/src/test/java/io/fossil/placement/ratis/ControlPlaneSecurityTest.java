package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fossil.placement.PlacementCodec;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.security.CertificateAuthority;
import io.fossil.security.IssuedCertificate;
import io.fossil.security.TlsMaterial;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The placement group over mutual TLS with real certificates (ADR 27): three voters on loopback,
 * each with a node certificate from the test CA, attacked by callers without a certificate, with a
 * certificate from another CA, with a node certificate speaking for another node, and through the
 * Ratis admin service (whose membership change only a voter may use, ADR 29). Each attack asserts
 * that placement did not change.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneSecurityTest {

  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Duration YEAR = Duration.ofDays(365);

  @TempDir static Path dir;
  private final Map<String, TlsMaterial> nodes = new HashMap<>();
  private TlsMaterial stranger;
  private TestGroup group;
  private RatisPlacementClient n1;

  @BeforeAll
  void startSecureGroup() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", YEAR, Clock.systemUTC());
    Path caPem = dir.resolve("ca.pem");
    ca.write(caPem, dir.resolve("ca.key"));
    for (String id : List.of("p1", "p2", "p3", "n1", "n2")) {
      nodes.put(id, material(ca.issueNode(id, List.of("localhost"), loopback(), YEAR), id, caPem));
    }
    CertificateAuthority other = CertificateAuthority.create("other", YEAR, Clock.systemUTC());
    Path otherPem = dir.resolve("other-ca.pem");
    other.write(otherPem, dir.resolve("other-ca.key"));
    // It trusts the voters (so it is the voter that refuses it), but its own certificate comes
    // from another CA.
    stranger =
        material(other.issueNode("n1", List.of("localhost"), loopback(), YEAR), "stranger", caPem);

    group =
        new TestGroup(
            dir.resolve("raft"), 1000, id -> ControlPlaneSecurity.mutualTls(nodes.get(id)));
    group.startAll();
    n1 = connect(nodes.get("n1"));
    PlacementReply registered =
        n1.submit(new PlacementCommand.Register("n1", 1, "http://n1", "n1:1"))
            .get(30, TimeUnit.SECONDS);
    assertThat(registered).isInstanceOf(PlacementReply.Leased.class);
    // The leader's own work settles first (sequences reserved; the ring waits for three members),
    // so what an attack test sees change could only be the attack's doing.
    await()
        .atMost(BOUND)
        .until(
            () -> {
              PlacementView v = n1.view().get(30, TimeUnit.SECONDS);
              return v.clusterId() != null;
            });
  }

  @AfterAll
  void stopGroup() {
    if (n1 != null) {
      n1.close();
    }
    if (group != null) {
      group.close();
    }
  }

  @Test
  void aClientWithoutACertificateIsRefusedInTheHandshake() throws Exception {
    PlacementView before = settledView();
    GrpcTlsConfig trustOnly = new GrpcTlsConfig((KeyManager) null, anyTrust(), false);
    try (RaftClient c = rawClient(tls(trustOnly))) {
      assertThatThrownBy(() -> c.async().send(register("n1", 2)).get(20, TimeUnit.SECONDS))
          .hasStackTraceContaining("SSL");
    }
    assertUnchanged(before);
  }

  @Test
  void aPlainTextClientIsRefused() throws Exception {
    PlacementView before = settledView();
    try (RaftClient c = rawClient(new Parameters())) {
      assertThatThrownBy(() -> c.async().send(register("n1", 2)).get(20, TimeUnit.SECONDS))
          .isNotNull();
    }
    assertUnchanged(before);
  }

  @Test
  void aCertificateFromAnotherCaIsRefusedInTheHandshake() throws Exception {
    PlacementView before = settledView();
    try (RatisPlacementClient c = connect(stranger)) {
      assertThatThrownBy(
              () ->
                  c.submit(new PlacementCommand.Register("n1", 2, "http://evil", "evil:1"))
                      .get(30, TimeUnit.SECONDS))
          .hasStackTraceContaining("SSL");
    }
    assertUnchanged(before);
  }

  @Test
  void aNodeCertificateMayNotRegisterHeartbeatOrLeaveForAnotherNode() throws Exception {
    PlacementView before = settledView();
    try (RatisPlacementClient n2 = connect(nodes.get("n2"))) {
      for (PlacementCommand c :
          List.of(
              new PlacementCommand.Register("n1", 2, "http://evil", "evil:1"),
              new PlacementCommand.Heartbeat("n1", 1),
              new PlacementCommand.Leave("n1", 1))) {
        PlacementReply reply = n2.submit(c).get(30, TimeUnit.SECONDS);
        assertThat(reply)
            .as(c.toString())
            .isEqualTo(
                new PlacementReply.Rejected(
                    PlacementReply.Code.FORBIDDEN, ((PlacementReply.Rejected) reply).message()));
        assertThat(((PlacementReply.Rejected) reply).message()).contains("n2", "n1");
      }
    }
    assertUnchanged(before);
  }

  @Test
  @Order(Integer.MAX_VALUE) // last: the ring then rebalances onto n2 for a while
  void aNodeCertificateRegistersAsItself() throws Exception {
    try (RatisPlacementClient n2 = connect(nodes.get("n2"))) {
      PlacementReply reply =
          n2.submit(new PlacementCommand.Register("n2", 1, "http://n2", "n2:1"))
              .get(30, TimeUnit.SECONDS);
      assertThat(reply).isInstanceOf(PlacementReply.Leased.class);
      assertThat(n2.view().get(30, TimeUnit.SECONDS).members())
          .anySatisfy(m -> assertThat(m.nodeId()).isEqualTo("n2"));
    }
  }

  @Test
  void theAdminServiceChangesVotersOnlyForAVoterAndNothingElseForAnyone() throws Exception {
    PlacementView before = settledView();
    RaftGroup g = RatisGroups.group(group.name, group.addresses);
    RaftPeer p1 = g.getPeer(org.apache.ratis.protocol.RaftPeerId.valueOf("p1"));
    try (RaftClient c = rawClient(tls(nodes.get("n2")))) {
      // A node that is not a voter may read the group's information, not change its voters.
      assertThat(c.getGroupManagementApi(p1.getId()).info(g.getGroupId()).isSuccess()).isTrue();
      assertThatThrownBy(() -> c.admin().setConfiguration(List.of(p1)))
          .hasStackTraceContaining("PERMISSION_DENIED");
    }
    try (RaftClient c = rawClient(tls(nodes.get("p1")))) {
      // Not even a voter may remove the group or take snapshots through it (ADR 27).
      assertThatThrownBy(
              () -> c.getGroupManagementApi(p1.getId()).remove(g.getGroupId(), true, false))
          .hasStackTraceContaining("PERMISSION_DENIED");
      assertThatThrownBy(() -> c.getSnapshotManagementApi(p1.getId()).create(3_000))
          .hasStackTraceContaining("PERMISSION_DENIED");
    }
    assertUnchanged(before);
    // The group still has its three voters: a command commits and every replica applies it.
    n1.submit(new PlacementCommand.Heartbeat("n1", 1)).get(30, TimeUnit.SECONDS);
    long version = n1.view().get(30, TimeUnit.SECONDS).version();
    await()
        .atMost(BOUND)
        .until(() -> group.peers.stream().allMatch(p -> p.localView().version() >= version));
  }

  @Test
  void raftTrafficComesOnlyFromVotersEachSpeakingAsItself() throws Exception {
    // n2 is a node but not a voter; p2 is a voter posing as p1; p1 as itself gets an answer.
    assertThat(requestVote(nodes.get("n2"), "n2").getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(requestVote(nodes.get("p2"), "p1").getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(requestVote(nodes.get("p1"), "p1").getCode())
        .isNotEqualTo(Status.Code.PERMISSION_DENIED);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Sends a stale vote request for {@code requestor} to p3 with {@code cert}; OK or the failure.
   */
  private Status requestVote(TlsMaterial cert, String requestor) throws Exception {
    RaftGroup g = RatisGroups.group(group.name, group.addresses);
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(group.addresses.get("p3"))
            .sslContext(
                GrpcSslContexts.forClient()
                    .keyManager(cert.keyManager())
                    .trustManager(cert.trustManager())
                    .build())
            .build();
    try {
      RaftServerProtocolServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(20, TimeUnit.SECONDS)
          .requestVote(
              RequestVoteRequestProto.newBuilder()
                  .setServerRequest(
                      RaftRpcRequestProto.newBuilder()
                          .setRequestorId(ByteString.copyFromUtf8(requestor))
                          .setReplyId(ByteString.copyFromUtf8("p3"))
                          .setRaftGroupId(
                              RaftGroupIdProto.newBuilder().setId(g.getGroupId().toByteString())))
                  .setCandidateTerm(0)
                  .build());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static TlsMaterial material(IssuedCertificate cert, String name, Path caPem)
      throws Exception {
    Path chain = caPem.resolveSibling(name + ".pem");
    Path key = caPem.resolveSibling(name + ".key");
    cert.write(chain, key);
    return TlsMaterial.load(key, chain, caPem);
  }

  private static List<InetAddress> loopback() throws Exception {
    return List.of(InetAddress.getByName("127.0.0.1"));
  }

  private javax.net.ssl.TrustManager anyTrust() {
    return nodes.get("p1").trustManager();
  }

  private RatisPlacementClient connect(TlsMaterial material) {
    return RatisPlacementClient.connect(
        group.name,
        group.addresses,
        Duration.ofSeconds(3),
        Duration.ofSeconds(9),
        ControlPlaneSecurity.mutualTls(material));
  }

  private static Parameters tls(TlsMaterial material) {
    return tls(new GrpcTlsConfig(material.keyManager(), material.trustManager(), true));
  }

  private static Parameters tls(GrpcTlsConfig config) {
    Parameters p = new Parameters();
    GrpcConfigKeys.TLS.setConf(p, config);
    return p;
  }

  /** A Ratis client that does not retry, so a refusal shows at once. */
  private RaftClient rawClient(Parameters parameters) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setParameters(parameters)
        .setRaftGroup(RatisGroups.group(group.name, group.addresses))
        .setRetryPolicy(RetryPolicies.noRetry())
        .build();
  }

  private static Message register(String node, long incarnation) {
    return Message.valueOf(
        UnsafeByteOperations.unsafeWrap(
            PlacementCodec.encode(
                new PlacementCommand.Register(node, incarnation, "http://evil", "evil:1"))));
  }

  /** The linearized view once every replica has applied it. */
  private PlacementView settledView() throws Exception {
    PlacementView v = n1.view().get(30, TimeUnit.SECONDS);
    await()
        .atMost(BOUND)
        .until(() -> group.peers.stream().allMatch(p -> p.localView().version() >= v.version()));
    return v;
  }

  /**
   * Nothing changed, linearized and on every replica: the same members, leases, segments and
   * sequences. (The version and clock move on: the leader ticks every 100 ms.)
   */
  private void assertUnchanged(PlacementView before) throws Exception {
    PlacementView now = n1.view().get(30, TimeUnit.SECONDS);
    assertThat(fingerprint(now)).isEqualTo(fingerprint(before));
    for (RatisPlacementPeer p : group.peers) {
      assertThat(fingerprint(p.localView())).isEqualTo(fingerprint(before));
    }
  }

  private static List<Object> fingerprint(PlacementView v) {
    return java.util.Arrays.asList(
        v.members(), v.segments(), v.clusterId(), v.nextSeq(), v.lastSeq());
  }
}
