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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
import org.apache.ratis.server.RaftConfiguration;
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
  private final RaftProperties properties;
  private final RaftGroup group;
  private final SequenceReserver reserver;
  private final PlacementMembership membership;
  private final VoterStartup startup;
  private volatile RaftServer server;
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
    Map<String, String> others = new LinkedHashMap<>(config.peers());
    others.remove(config.nodeId());
    this.membership =
        others.isEmpty()
            ? null
            : PlacementMembership.connect(config.groupName(), others, config.security());
    this.startup =
        new VoterStartup(
            config.nodeId(),
            config.storageDir(),
            group.getGroupId(),
            store,
            () ->
                membership == null
                    ? CompletableFuture.failedFuture(
                        new IllegalStateException("no other voter is configured to ask"))
                    : membership.voters(),
            closed::get,
            clock);
    this.properties = new RaftProperties();
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
  }

  /**
   * Starts the Raft server and the leader duties. How the server starts depends on its storage (ADR
   * 29, {@link VoterStartup}): from its log; as a new group of the configured voters; or outside
   * any configuration, to be caught up by the leader of a group that exists (added with {@link
   * PlacementMembership}). A node whose Raft storage was lost while the group still lists it does
   * not start its server until the group has removed it: then this future completes at once, {@link
   * #waiting()} says why, and the server starts later by itself.
   */
  public CompletableFuture<Void> start() {
    CompletableFuture<Void> started = new CompletableFuture<>();
    CompletableFuture<VoterStartup.Mode> decided;
    try {
      decided = startup.decide(() -> started.complete(null));
    } catch (RuntimeException e) {
      decided = CompletableFuture.failedFuture(e);
    }
    decided
        .thenAcceptAsync(this::run)
        .whenComplete(
            (x, e) -> {
              if (e == null) {
                started.complete(null);
              } else if (!started.completeExceptionally(e) && !closed.get()) {
                LOG.error("placement peer {} did not start: {}", config.nodeId(), e.toString());
              }
            });
    return started;
  }

  /** Builds and starts the Raft server, then the leader duties. */
  private void run(VoterStartup.Mode mode) {
    if (closed.get()) {
      throw new IllegalStateException("placement peer " + config.nodeId() + " was closed");
    }
    if (mode != VoterStartup.Mode.RECOVER) {
      LOG.info(
          "placement peer {} starts with new Raft storage: {}",
          config.nodeId(),
          mode == VoterStartup.Mode.BOOTSTRAP
              ? "a new group of " + config.peers().keySet()
              : "outside the group's configuration, to be caught up by its leader (if the group"
                  + " lists it) or added: fossil voters add "
                  + config.nodeId());
    }
    try {
      RaftServer built =
          RaftServer.newBuilder()
              .setServerId(RaftPeerId.valueOf(config.nodeId()))
              .setGroup(
                  mode == VoterStartup.Mode.JOIN ? RaftGroup.valueOf(group.getGroupId()) : group)
              .setProperties(properties)
              .setParameters(config.security().serverParameters(this::isVoter))
              .setStateMachine(stateMachine)
              .setOption(RaftStorage.StartupOption.RECOVER)
              .build();
      synchronized (this) {
        if (closed.get()) {
          built.close();
          return;
        }
        server = built;
      }
      built.start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("placement peer " + config.nodeId() + " failed to start", e);
    }
    synchronized (this) {
      if (closed.get()) {
        return;
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
    }
  }

  /**
   * Whether Raft traffic may come from node {@code id}: a configured voter, or a member of this
   * server's configuration now (voters added since it started included).
   */
  private boolean isVoter(String id) {
    if (config.peers().containsKey(id)) {
      return true;
    }
    RaftServer s = server;
    if (s == null) {
      return false;
    }
    try {
      RaftConfiguration conf = s.getDivision(group.getGroupId()).getRaftConf();
      return conf.getPeer(RaftPeerId.valueOf(id), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER)
          != null;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * While this node's Raft storage is lost and the group still lists it, why its server does not
   * start (ADR 29); empty otherwise.
   */
  public Optional<String> waiting() {
    return Optional.ofNullable(startup.waiting());
  }

  /** Whether this peer currently leads the group. */
  public boolean isLeader() {
    RaftServer s = server;
    try {
      return !closed.get() && s != null && s.getDivision(group.getGroupId()).getInfo().isLeader();
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
    RaftServer s = server;
    if (s == null) {
      return OptionalLong.empty();
    }
    try {
      // One snapshot of the role: a peer becomes leader before its leader state exists, and a
      // leader without that state would otherwise report no follower, hence no silence.
      RoleInfoProto role = s.getDivision(group.getGroupId()).getInfo().getRoleInfoProto();
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
    if (membership != null) {
      membership.close();
    }
    RatisPlacementClient c;
    RaftServer s;
    synchronized (this) {
      c = client;
      s = server;
    }
    if (c != null) {
      c.close();
    }
    if (s == null) {
      return;
    }
    try {
      s.close();
    } catch (IOException e) {
      LOG.warn("closing placement peer {}: {}", config.nodeId(), e.toString());
    }
  }
}
