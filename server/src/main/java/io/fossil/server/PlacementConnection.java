package io.fossil.server;

import io.fossil.kv.KvStore;
import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply;
import io.fossil.placement.ratis.ControlPlaneSecurity;
import io.fossil.placement.ratis.PlacementMembership;
import io.fossil.placement.ratis.RatisPlacementClient;
import io.fossil.placement.ratis.RatisPlacementPeer;
import io.fossil.security.Reload;
import io.fossil.security.TlsMaterial;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's way to the placement group: its Raft voter, if the node is one, and the client
 * through which the rest of the node submits commands and follows placement. {@link #start()}
 * starts the voter and then connects the client; a call before that throws {@link
 * IllegalStateException}. Thread-safe. {@link #close()} closes the client, then the voter; it is
 * idempotent.
 *
 * <p>With TLS material ({@link SecurityOptions}), the voter and the client speak mutual TLS and the
 * voter knows its callers by their certificates (ADR 27); the material is reloaded when its files
 * change. The voter's Raft port listens on the host of its own address unless told otherwise.
 */
final class PlacementConnection implements PlacementClient {

  private static final Logger LOG = LoggerFactory.getLogger(PlacementConnection.class);

  /**
   * How this node reaches the placement group.
   *
   * @param voters every placement voter, id → Raft address (host:port)
   * @param raftDir where this node keeps its Raft log if it is a voter
   * @param raftTick how often the voter runs placement's periodic work (lease expiry, moves)
   * @param snapshotEvery Raft log entries between two snapshots of the voter
   * @param requestTimeout how long one attempt of a placement call waits for its answer
   * @param callTimeout how long a placement call keeps retrying; at least {@code requestTimeout}
   * @param raftBind the address the voter's Raft port listens on; null = the host of its own
   *     address in {@code voters}
   * @param security TLS material for the voter and the client, or none
   */
  record Config(
      String nodeId,
      Map<String, String> voters,
      Path raftDir,
      String group,
      PlacementConfig placement,
      Duration raftTick,
      long snapshotEvery,
      Duration requestTimeout,
      Duration callTimeout,
      String raftBind,
      SecurityOptions security) {

    /** The voter ticks ten times per lease ... */
    static final int RAFT_TICKS_PER_LEASE = 10;

    /** ... but not more often than every 100 ms. */
    static final Duration MIN_RAFT_TICK = Duration.ofMillis(100);

    static final long SNAPSHOT_EVERY = 10_000;

    /**
     * One attempt of a placement call waits a quarter of the lease (within these bounds): an
     * attempt sent to a leader that was paused or cut off must time out, and the call move on to
     * the new leader, while the node's lease still holds (ADR 30).
     */
    static final Duration MIN_REQUEST_TIMEOUT = Duration.ofMillis(250);

    static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(3);

    static final int REQUEST_TIMEOUTS_PER_LEASE = 4;

    Config {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(group, "group");
      Objects.requireNonNull(placement, "placement");
      Objects.requireNonNull(security, "security");
      voters = Map.copyOf(voters);
      if (raftTick.isNegative() || raftTick.isZero()) {
        throw new IllegalArgumentException("raftTick must be positive, was " + raftTick);
      }
      if (snapshotEvery < 1) {
        throw new IllegalArgumentException("snapshotEvery must be at least 1");
      }
      if (requestTimeout.toMillis() < 10 || callTimeout.compareTo(requestTimeout) < 0) {
        throw new IllegalArgumentException(
            "need 10 ms <= requestTimeout <= callTimeout, got "
                + requestTimeout
                + " and "
                + callTimeout);
      }
    }

    /**
     * The defaults for {@code node}. A placement call retries for a lease (at least a request
     * timeout) and ends at most one request timeout and 0.4 s after that: a call that cannot be
     * answered must not hold back the heartbeats behind it for long.
     */
    static Config of(NodeConfig node) {
      long leaseMillis = node.placement().leaseMillis();
      Duration lease = Duration.ofMillis(leaseMillis);
      Duration requestTimeout =
          Duration.ofMillis(
              Math.min(
                  MAX_REQUEST_TIMEOUT.toMillis(),
                  Math.max(
                      MIN_REQUEST_TIMEOUT.toMillis(), leaseMillis / REQUEST_TIMEOUTS_PER_LEASE)));
      return new Config(
          node.nodeId(),
          node.voters(),
          node.raftDir(),
          Node.GROUP,
          node.placement(),
          Duration.ofMillis(Math.max(MIN_RAFT_TICK.toMillis(), leaseMillis / RAFT_TICKS_PER_LEASE)),
          SNAPSHOT_EVERY,
          requestTimeout,
          lease.compareTo(requestTimeout) > 0 ? lease : requestTimeout,
          node.raftBind(),
          node.security());
    }

    boolean isVoter() {
      return voters.containsKey(nodeId);
    }
  }

  /** How often the TLS files are checked for a rotation. */
  static final Duration TLS_RELOAD_INTERVAL = Duration.ofSeconds(10);

  private final Config config;
  private final KvStore store;
  private final ControlPlaneSecurity security;
  private final ScheduledExecutorService reloader;
  private volatile RatisPlacementPeer peer;
  private volatile PlacementClient client;
  private volatile PlacementMembership membership;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Loads the TLS material, if any, and checks it for rotated files every {@link
   * #TLS_RELOAD_INTERVAL} from then on.
   *
   * @throws IllegalArgumentException if the TLS files cannot be read, do not parse, or the key is
   *     not the certificate's
   */
  PlacementConnection(Config config, KvStore store) {
    this.config = config;
    this.store = store;
    SecurityOptions options = config.security();
    if (!options.tls()) {
      this.security = ControlPlaneSecurity.insecure();
      this.reloader = null;
      return;
    }
    TlsMaterial material;
    try {
      material = TlsMaterial.load(options.tlsKey(), options.tlsCert(), options.tlsCa());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot load the TLS material: " + e.getMessage(), e);
    }
    this.security = ControlPlaneSecurity.mutualTls(material);
    this.reloader =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fossil-tls-reload-" + config.nodeId());
              t.setDaemon(true);
              return t;
            });
    long every = TLS_RELOAD_INTERVAL.toMillis();
    reloader.scheduleWithFixedDelay(() -> reload(material), every, every, TimeUnit.MILLISECONDS);
  }

  private void reload(TlsMaterial material) {
    Reload outcome = material.reloadIfChanged();
    if (outcome instanceof Reload.Applied) {
      LOG.info("node {}: new TLS material, used from the next handshake on", config.nodeId());
    } else if (outcome instanceof Reload.Failed f) {
      LOG.warn("node {}: keeping the TLS material in use: {}", config.nodeId(), f.reason());
    }
  }

  /** Starts the voter (if this node is one) and, once it runs, connects the client. */
  CompletableFuture<Void> start() {
    CompletableFuture<Void> voter = CompletableFuture.completedFuture(null);
    if (config.isVoter()) {
      peer =
          new RatisPlacementPeer(
              new RatisPlacementPeer.Config(
                  config.nodeId(),
                  config.voters(),
                  config.raftDir(),
                  config.group(),
                  config.placement(),
                  config.raftTick(),
                  config.snapshotEvery(),
                  config.raftBind(),
                  security),
              store,
              Clock.systemUTC());
      voter = peer.start();
    }
    return voter.thenRun(
        () -> {
          client =
              RatisPlacementClient.connect(
                  config.group(),
                  config.voters(),
                  config.requestTimeout(),
                  config.callTimeout(),
                  security);
          membership = PlacementMembership.connect(config.group(), config.voters(), security);
        });
  }

  /** The group's voters as its leader sees them (ADR 29). */
  CompletableFuture<Voters> voters() {
    PlacementMembership m = membership;
    return m == null ? notConnected() : m.voters();
  }

  /** Changes the group's voters; only a node that is a voter may (ADR 29). */
  CompletableFuture<VotersReply> changeVoters(VoterChange change) {
    PlacementMembership m = membership;
    return m == null ? notConnected() : m.change(change, config.nodeId());
  }

  /**
   * Why this node's voter does not run, while its Raft storage is lost and the group still lists it
   * (ADR 29); empty otherwise.
   */
  Optional<String> voterWaiting() {
    RatisPlacementPeer p = peer;
    return p == null ? Optional.empty() : p.waiting();
  }

  /** The placement as this node's voter applied it, if it runs one (diagnostics and tests). */
  Optional<PlacementView> voterView() {
    RatisPlacementPeer p = peer;
    return p == null || p.waiting().isPresent() ? Optional.empty() : Optional.of(p.localView());
  }

  private static <T> CompletableFuture<T> notConnected() {
    return CompletableFuture.failedFuture(
        new IllegalStateException("not connected to the placement group yet"));
  }

  /** Whether this node's voter leads the placement group now. */
  boolean isLeader() {
    RatisPlacementPeer p = peer;
    return p != null && p.isLeader();
  }

  /**
   * On the placement leader, how long the least recently heard follower has been silent; empty
   * elsewhere.
   */
  OptionalLong longestFollowerSilenceMillis() {
    RatisPlacementPeer p = peer;
    return p == null ? OptionalLong.empty() : p.longestFollowerSilenceMillis();
  }

  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    return client().submit(command);
  }

  @Override
  public CompletableFuture<PlacementView> view() {
    return client().view();
  }

  @Override
  public CompletableFuture<PlacementView> awaitChange(long afterVersion, Duration maxWait) {
    return client().awaitChange(afterVersion, maxWait);
  }

  private PlacementClient client() {
    PlacementClient c = client;
    if (c == null) {
      throw new IllegalStateException("not connected to the placement group yet");
    }
    return c;
  }

  /** Closes the client, then the voter. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (reloader != null) {
      reloader.shutdownNow();
    }
    PlacementClient c = client;
    if (c != null) {
      c.close();
    }
    PlacementMembership m = membership;
    if (m != null) {
      m.close();
    }
    RatisPlacementPeer p = peer;
    if (p != null) {
      p.close();
    }
  }
}
