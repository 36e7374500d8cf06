package io.fossil.server;

import io.fossil.compaction.CompactionDriver;
import io.fossil.compaction.CompactionTimer;
import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.owner.AppendLimits;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.ViewWaiters;
import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors;
import io.fossil.reader.CursorReader;
import io.fossil.reader.LiveHeads;
import io.fossil.reader.StreamReader;
import io.fossil.router.HttpRuntime;
import io.fossil.router.NodeServices;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Fossil node: its placement voter (if it is one), its lease, an appender for every segment
 * placement gives it, and its HTTP API, all on one shared {@link KvStore}. {@link #start()} brings
 * it up; {@link #close()} stops it, handing its segments away first when asked to ({@link #leave}).
 *
 * <p>This class is the wiring, as Kafka's {@code BrokerServer} is a broker's: it assembles the
 * node's parts, starts and stops them in order, and serves the HTTP API's {@link NodeServices} from
 * them. The parts: {@link PlacementConnection} (the voter and the placement client), {@link
 * Membership} (registration, heartbeats, leases, readiness, leaving), {@link SegmentOwnership}
 * (appenders per view, seal reports), {@link PlacementFollower} (the long poll that brings views),
 * {@link NodeMetrics} and compaction's {@link CompactionDriver}.
 *
 * <p>The node follows placement by long poll. On every new view it first starts appenders for the
 * segments it was given (each seals its ancestors in the store before it writes, then the node
 * reports their final counters to placement) and closes the ones it lost, then publishes the view
 * to the HTTP API — so a request routed here by a view always finds its appender.
 *
 * <p>Thread-safe. The constructor starts no thread; the node's timer thread runs its heartbeats,
 * its scheduled compaction and the retries of its long poll.
 */
public final class Node implements NodeServices, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  /** The name of the placement group's Raft group. */
  static final String GROUP = "fossil-placement";

  /**
   * The timings of the wiring itself; each part has its own in its {@code Config}; what the node
   * is, is its {@link NodeConfig}.
   *
   * @param livePollInterval how often live tails poll the heads of segments other nodes write
   * @param appliedWait how long a placement change's caller waits for this node's view to show it
   * @param httpStopTimeout how long {@link #close()} waits for the HTTP server to stop
   */
  record Timings(Duration livePollInterval, Duration appliedWait, Duration httpStopTimeout) {

    static final Timings DEFAULT =
        new Timings(Duration.ofMillis(25), Duration.ofSeconds(5), Duration.ofSeconds(5));

    Timings {
      for (Duration d : new Duration[] {livePollInterval, appliedWait, httpStopTimeout}) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("durations must be positive, got " + d);
        }
      }
    }
  }

  private final NodeConfig config;
  private final Timings timings = Timings.DEFAULT;
  private final HttpRuntime runtime;
  private final long incarnation;
  private final ScheduledExecutorService timer;
  private final ViewWaiters views = new ViewWaiters(null);
  private final PlacementConnection placement;
  private final Membership membership;
  private final SegmentOwnership ownership;
  private final PlacementFollower follower;
  private final NodeMetrics metrics;
  private final StreamReader reader;
  private final CursorReader cursorReader;
  private final LiveHeads liveHeads;
  private final ConsumerCursors consumers;
  private final AppendLimits limits;
  private final CompactionDriver compaction;
  private volatile HttpListeners http;
  private volatile boolean closed;

  public Node(NodeConfig config, KvStore store, HttpRuntime runtime) {
    this(config, store, runtime, Clock.systemUTC());
  }

  /**
   * As above, issuing this process its incarnation from the store at {@code wallClock}'s time: a
   * read and a compare-and-set, within the startup timeout ({@link Incarnations}). The placement
   * policy every voter must share comes from the store too ({@link SharedPolicy}).
   */
  Node(NodeConfig requested, KvStore store, HttpRuntime runtime, Clock wallClock) {
    // Every part below is built from the agreed configuration.
    NodeConfig config =
        requested.withPlacement(
            SharedPolicy.agree(
                store, requested.nodeId(), requested.placement(), requested.startupTimeout()));
    this.config = config;
    this.runtime = runtime;
    this.incarnation =
        Incarnations.issue(store, config.nodeId(), wallClock::millis, config.startupTimeout());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fossil-node-" + config.nodeId());
              t.setDaemon(true);
              return t;
            });
    this.placement = new PlacementConnection(PlacementConnection.Config.of(config), store);
    this.membership =
        new Membership(
            Membership.Config.of(config),
            incarnation,
            placement,
            views,
            // Heartbeats start in start(), once the node is registered.
            new Membership.Listener() {
              @Override
              public void leaseRenewed(long deadlineNanos) {
                metrics.leaseRenewed();
                ownership.renewLeases(deadlineNanos);
              }

              @Override
              public void leaseLost() {
                metrics.leaseLost();
                ownership.leaseLost();
              }
            },
            () -> closed,
            System::nanoTime);
    this.ownership =
        new SegmentOwnership(
            config.nodeId(),
            incarnation,
            store,
            config.appender(),
            placement,
            views,
            membership::leaseDeadlineNanos,
            this::batchCommitted,
            () -> closed);
    this.follower =
        new PlacementFollower(
            PlacementFollower.Config.DEFAULT,
            placement,
            views,
            ownership::onView,
            membership::placementFailed,
            timer,
            () -> closed);
    this.metrics = new NodeMetrics(config.nodeId(), placement, ownership, views);
    this.reader = new StreamReader(store);
    this.cursorReader = new CursorReader(store);
    this.liveHeads =
        new LiveHeads(store, views::latest, ownership::writes, timings.livePollInterval());
    this.consumers =
        new ConsumerCursors(
            store,
            // Stored cursors and awaited positions from before a compaction, in today's segments.
            new ConsumerCursors.Translation(
                p -> view().history().translate(p), c -> view().history().translate(c)),
            ConsumerCursors.DEFAULT_POLL_INTERVAL);
    this.limits = new AppendLimits(store.limits());
    this.compaction = compaction();
  }

  // ------------------------------------------------------------------ compaction
  // The compaction module's driver (ADR 0021): the schedule and its throttle run on the node's
  // timer.

  private CompactionDriver compaction() {
    return new CompactionDriver(
        config.nodeId(),
        config.compaction(),
        new CompactionDriver.Placement() {
          @Override
          public PlacementView view() {
            return Node.this.view();
          }

          @Override
          public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
            return placement.submit(command);
          }

          @Override
          public CompletableFuture<PlacementView> awaitVersion(long version) {
            return awaitApplied(version);
          }

          @Override
          public boolean leads() {
            return !closed && placement.isLeader();
          }
        },
        consumers,
        CompactionTimer.system(timer),
        metrics.registry());
  }

  @Override
  public CompletableFuture<Compactor.Report> compact() {
    return compaction.runNow();
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts the voter (if any), registers, takes leases, follows placement, serves HTTP. */
  public CompletableFuture<Void> start() {
    return membership
        .start(placement.start())
        .thenCompose(
            x -> {
              // Heartbeats start as soon as the node is registered: the rest of the start (HTTP,
              // TLS, the first appenders) can take longer than a lease on a loaded machine, and a
              // node that stays silent that long is expired, its segments moved twice (ADR 30).
              long every = membership.heartbeatInterval().toMillis();
              timer.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
              return placement.view();
            })
        .thenCompose(
            v -> {
              ownership.onView(v);
              http = new HttpListeners(runtime, this, config.http(), config.adminHttp());
              return http.start();
            })
        .thenAccept(
            port -> {
              compaction.start();
              follower.start();
              warning().ifPresent(w -> LOG.warn("node {}: {}", config.nodeId(), w));
              LOG.info(
                  "node {} (incarnation {}) serves {} on {}:{}",
                  config.nodeId(),
                  incarnation,
                  config.security().tls() ? "HTTPS" : "HTTP",
                  config.http().host(),
                  port);
            });
  }

  /** The port of the second listener, for admin and metrics (after {@link #start()}); 0: none. */
  public int adminPort() {
    return http == null ? 0 : http.adminPort();
  }

  /** The port the HTTP API is bound to (after {@link #start()}). */
  public int httpPort() {
    return http == null ? 0 : http.port();
  }

  public long incarnation() {
    return incarnation;
  }

  /** One tick of the node's timer: a heartbeat, then the appenders' health and seal reports. */
  private void heartbeat() {
    if (closed) {
      return;
    }
    membership.heartbeat();
    ownership.checkAppenders();
    ownership.reportSeals();
  }

  private void batchCommitted(SegmentId segment, int events) {
    metrics.batchCommitted(events);
    liveHeads.committed(segment);
  }

  /**
   * Hands this node's segments to other nodes: tells placement it is leaving, then waits (up to
   * {@code maxWait}) until no open segment is owned by it.
   */
  public CompletableFuture<Boolean> leave(Duration maxWait) {
    return membership.leave(maxWait);
  }

  /** Stops HTTP, the appenders, the lease and the voter. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (http != null) {
      http.stop(timings.httpStopTimeout());
    }
    ownership.close();
    liveHeads.close();
    compaction.close();
    consumers.close();
    timer.shutdownNow();
    placement.close();
    metrics.close();
    views.completeAll();
  }

  // ------------------------------------------------------------------ NodeServices

  @Override
  public String nodeId() {
    return config.nodeId();
  }

  @Override
  public PlacementView view() {
    return views.latest();
  }

  @Override
  public CompletableFuture<PlacementView> awaitView(long afterVersion, Duration maxWait) {
    return views.await(afterVersion, maxWait);
  }

  @Override
  public Optional<SegmentAppender> appender(SegmentId segment) {
    return ownership.appender(segment);
  }

  @Override
  public AppendLimits limits() {
    return limits;
  }

  @Override
  public StreamReader reader() {
    return reader;
  }

  @Override
  public CursorReader cursorReader() {
    return cursorReader;
  }

  @Override
  public LiveHeads liveHeads() {
    return liveHeads;
  }

  @Override
  public ConsumerCursors consumers() {
    return consumers;
  }

  /**
   * Once a change is acknowledged, this node's view shows it (waiting up to the applied wait for
   * the long poll that brings it): what a caller changes, it then reads here.
   */
  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    return placement
        .submit(command)
        .thenCompose(
            reply -> {
              long version = reply.changedVersion();
              return version < 0
                  ? CompletableFuture.completedFuture(reply)
                  : awaitApplied(version).thenApply(v -> reply);
            });
  }

  /** Waits (up to the applied wait) until this node's view has reached {@code version}. */
  private CompletableFuture<PlacementView> awaitApplied(long version) {
    return views.await(version - 1, timings.appliedWait());
  }

  /** The placement as this node's voter applied it, if it runs one (diagnostics and tests). */
  Optional<PlacementView> voterView() {
    return placement.voterView();
  }

  @Override
  public CompletableFuture<Voters> voters() {
    return placement.voters();
  }

  @Override
  public CompletableFuture<VotersReply> changeVoters(VoterChange change) {
    return placement.changeVoters(change);
  }

  @Override
  public String notReadyReason() {
    return membership.notReadyReason();
  }

  /**
   * That it runs without security on purpose, and that its placement voter waits to be removed
   * because its Raft storage was lost (ADR 29).
   */
  @Override
  public Optional<String> warning() {
    String security = config.security().warning();
    Optional<String> voter = placement.voterWaiting().map(w -> "placement voter waits: " + w);
    if (voter.isEmpty()) {
      return Optional.ofNullable(security);
    }
    return Optional.of(security == null ? voter.get() : security + "; " + voter.get());
  }

  @Override
  public PrometheusMeterRegistry registry() {
    return metrics.registry();
  }
}
