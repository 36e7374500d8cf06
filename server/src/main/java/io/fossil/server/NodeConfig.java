package io.fossil.server;

import io.fossil.compaction.Compactor;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.router.HttpApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link Node} is: its id, its listeners, its addresses, the placement voters, its timings
 * and its security.
 *
 * @param voters every placement voter, id → Raft address (host:port)
 * @param advertisedHttp the host:port other nodes and clients use to reach this node's API
 * @param raftDir where this node keeps its Raft log if it is a voter
 * @param startupTimeout how long registration retries while the placement group elects a leader
 * @param raftBind the address this node's Raft port listens on; null = the host of its own address
 *     in {@code voters}
 * @param security TLS material (mutual TLS on the placement group), or none; TLS here and in {@code
 *     http} go together
 * @param adminHttp a second listener for {@code /admin/*} and {@code /metrics}, which {@code http}
 *     then does not serve; null: {@code http} serves everything
 */
public record NodeConfig(
    String nodeId,
    HttpApi.Options http,
    String advertisedHttp,
    Map<String, String> voters,
    Path raftDir,
    PlacementConfig placement,
    SegmentAppender.Config appender,
    Duration startupTimeout,
    Compactor.Options compaction,
    String raftBind,
    SecurityOptions security,
    HttpApi.Options adminHttp) {

  /** A node that serves every route on one listener. */
  public NodeConfig(
      String nodeId,
      HttpApi.Options http,
      String advertisedHttp,
      Map<String, String> voters,
      Path raftDir,
      PlacementConfig placement,
      SegmentAppender.Config appender,
      Duration startupTimeout,
      Compactor.Options compaction,
      String raftBind,
      SecurityOptions security) {
    this(
        nodeId,
        http,
        advertisedHttp,
        voters,
        raftDir,
        placement,
        appender,
        startupTimeout,
        compaction,
        raftBind,
        security,
        null);
  }

  /** This configuration with another placement policy. */
  NodeConfig withPlacement(PlacementConfig placement) {
    return new NodeConfig(
        nodeId,
        http,
        advertisedHttp,
        voters,
        raftDir,
        placement,
        appender,
        startupTimeout,
        compaction,
        raftBind,
        security,
        adminHttp);
  }

  public NodeConfig {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(security, "security");
    voters = Map.copyOf(voters);
    boolean httpTls = http != null && http.security() != null && http.security().tls() != null;
    if (http != null && security.tls() != httpTls) {
      throw new IllegalArgumentException(
          "TLS on Raft and on HTTP go together: "
              + (httpTls ? "HTTP has TLS, Raft has none" : "Raft has TLS, HTTP has none"));
    }
  }
}
