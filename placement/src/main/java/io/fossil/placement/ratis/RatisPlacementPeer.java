package io.fossil.placement.ratis;

import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One voter of the placement group: a Ratis server over gRPC running the placement state machine,
 * plus the duties its leader performs (reserve segment sequences in the store, tick lease expiry
 * and rebalancing; a new leader's grace needs no duty, the state machine grants it on a new term).
 * The constructor starts nothing; {@link #start()} does; {@link #close()} is idempotent and stops
 * every thread it started.
 */
public final class RatisPlacementPeer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RatisPlacementPeer.class);

  /**
   * How long the leader's reservation of segment sequences may wait for the store. Placement calls
   * end on their own (their client bounds them), so with this bound every step of a duty ends, and
   * so does the duty: the next tick can always start the next one.
   */
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * @param nodeId this voter's id (also its Raft peer id)
   * @param peers every voter's id → Raft address (host:port), this one included
   * @param storageDir where the Raft log and snapshots live; must survive restarts
   * @param groupName names the Raft group; identical on every voter
   * @param tickInterval how often the leader ticks (a fraction of the lease)
   * @param snapshotEvery take a snapshot after this many log entries
   * @param bindHost the address the Raft port listens on; null = the host of this voter's own Raft
   *     address (so never every interface unless asked for, with {@code 0.0.0.0})
   * @param security plain gRPC, or mutual TLS with identities (ADR 27)
   */
  public record Config(
      String nodeId,
      Map<String, String> peers,
      Path storageDir,
      String groupName,
      PlacementConfig placement,
      Duration tickInterval,
      long snapshotEvery,
      String bindHost,
      ControlPlaneSecurity security) {

    /** Plain gRPC, bound to the host of this voter's own Raft address. */
    public Config(
        String nodeId,
        Map<String, String> peers,
        Path storageDir,
        String groupName,
        PlacementConfig placement,
        Duration tickInterval,
        long snapshotEvery) {
      this(
          nodeId,
          peers,
          storageDir,
          groupName,
          placement,
          tickInterval,
          snapshotEvery,
          null,
          ControlPlaneSecurity.insecure());
    }

    public Config {
      Objects.requireNonNull(nodeId, "nodeId");
      if (!peers.containsKey(nodeId)) {
        throw new IllegalArgumentException(
            "peers " + peers.keySet() + " do not include this node " + nodeId);
      }
      peers = Map.copyOf(peers);
      if (tickInterval.isNegative() || tickInterval.isZero()) {
        throw new IllegalArgumentException("tickInterval must be positive");
      }
      if (snapshotEvery < 1) {
        throw new IllegalArgumentException("snapshotEvery must be at least 1");
      }
      Objects.requireNonNull(security, "security");
      if (bindHost == null || bindHost.isBlank()) {
        bindHost = RatisGroups.host(peers.get(nodeId));
      }
    }
  }

  private final Config config;
  private final ScheduledExecutorService timer;
  private final PlacementStateMachine stateMachine;
  private final RaftServer server;
  private final RaftGroup group;
  private final SequenceReserver reserver;
  private final AtomicBoolean closed = new AtomicBoolean();
  private RatisPlacementClient client;
  private volatile boolean dutyRunning;

  public RatisPlacementPeer(Config config, KvStore store, Clock clock) {
    this.config = config;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fossil-placement-" + config.nodeId());
              t.setDaemon(true);
              return t;
            });
    this.stateMachine =
        new PlacementStateMachine(config.placement(), clock, timer, config.security().isSecure());
    this.group = RatisGroups.group(config.groupName(), config.peers());
    this.reserver = new SequenceReserver(store);
    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(config.storageDir().toFile()));
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, config.snapshotEvery());
    RaftServerConfigKeys.Rpc.setTimeoutMin(
        properties, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(
        properties, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
    GrpcConfigKeys.Server.setHost(properties, config.bindHost());
    GrpcConfigKeys.Server.setPort(
        properties, RatisGroups.port(config.peers().get(config.nodeId())));
    try {
      this.server =
          RaftServer.newBuilder()
              .setServerId(RaftPeerId.valueOf(config.nodeId()))
              .setGroup(group)
              .setProperties(properties)
              .setParameters(config.security().serverParameters(config.peers().keySet()))
              .setStateMachine(stateMachine)
              .setOption(RaftStorage.StartupOption.RECOVER)
              .build();
    } catch (IOException e) {
      timer.shutdownNow();
      throw new UncheckedIOException("cannot create the placement peer " + config.nodeId(), e);
    }
  }

  /** Starts the Raft server and the leader duties. */
  public CompletableFuture<Void> start() {
    return CompletableFuture.runAsync(
        () -> {
          try {
            server.start();
          } catch (IOException e) {
            close();
            throw new UncheckedIOException(
                "placement peer " + config.nodeId() + " failed to start", e);
          }
          client =
              RatisPlacementClient.connect(
                  config.groupName(),
                  config.peers(),
                  Duration.ofSeconds(10),
                  Duration.ofSeconds(30),
                  config.security());
          long every = config.tickInterval().toMillis();
          timer.scheduleWithFixedDelay(this::leaderDuties, every, every, TimeUnit.MILLISECONDS);
        });
  }

  /** Whether this peer currently leads the group. */
  public boolean isLeader() {
    try {
      return !closed.get() && server.getDivision(group.getGroupId()).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * While this peer leads the group, how long ago the follower it heard from least recently last
   * answered (milliseconds); empty on a follower. A value above the election timeout means a link
   * in the group is down even though a majority may still commit.
   */
  public OptionalLong longestFollowerSilenceMillis() {
    try {
      // One snapshot of the role: a peer becomes leader before its leader state exists, and a
      // leader without that state would otherwise report no follower, hence no silence.
      RoleInfoProto role = server.getDivision(group.getGroupId()).getInfo().getRoleInfoProto();
      if (closed.get() || role.getRole() != RaftPeerRole.LEADER || !role.hasLeaderInfo()) {
        return OptionalLong.empty();
      }
      return OptionalLong.of(
          role.getLeaderInfo().getFollowerInfoList().stream()
              .mapToLong(f -> f.getLastRpcElapsedTimeMs())
              .max()
              .orElse(0)); // a group of one
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** The placement as applied on this replica (not linearizable; for tests and diagnostics). */
  public PlacementView localView() {
    return stateMachine.view();
  }

  /** Asks Ratis for a snapshot now; completes with the index it covers. */
  public long takeSnapshot() throws IOException {
    return stateMachine.takeSnapshot();
  }

  public String nodeId() {
    return config.nodeId();
  }

  private void leaderDuties() {
    if (dutyRunning || closed.get()) {
      return;
    }
    if (!isLeader()) {
      return;
    }
    dutyRunning = true;
    // No LeaderChanged: the state machine grants a new term's grace itself (ADR 10).
    reserver
        .reserveIfLow(stateMachine.view())
        .orTimeout(STORE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .thenCompose(
            cmd ->
                cmd.map(c -> client.submit(c).thenApply(r -> (Object) r))
                    .orElse(CompletableFuture.completedFuture(null)))
        .thenCompose(x -> client.submit(new PlacementCommand.Tick()))
        .whenComplete(
            (r, e) -> {
              dutyRunning = false;
              if (e != null && !closed.get()) {
                LOG.warn("placement leader duty failed on {}: {}", config.nodeId(), e.toString());
              }
            });
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    if (client != null) {
      client.close();
    }
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("closing placement peer {}: {}", config.nodeId(), e.toString());
    }
  }
}
