package io.fossil.server;

import io.fossil.compaction.CompactionTimer;
import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.owner.AppendLimits;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.Compaction;
import io.fossil.placement.LeaseKeeper;
import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.ViewWaiters;
import io.fossil.placement.ratis.RatisPlacementClient;
import io.fossil.placement.ratis.RatisPlacementPeer;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors;
import io.fossil.reader.CursorReader;
import io.fossil.reader.LiveHeads;
import io.fossil.reader.StreamReader;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.router.NodeServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Fossil node: its placement voter (if it is one), its lease, an appender for every segment
 * placement gives it, and its HTTP API, all on one shared {@link KvStore}. {@link #start()} brings
 * it up; {@link #close()} stops it, handing its segments away first when asked to ({@link
 * #leave()}).
 *
 * <p>The node follows placement by long poll. On every new view it first starts appenders for the
 * segments it was given (each seals its ancestors in the store before it writes, then the node
 * reports their final counters to placement) and closes the ones it lost, then publishes the view
 * to the HTTP API — so a request routed here by a view always finds its appender.
 */
public final class Node implements NodeServices, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  static final String GROUP = "fossil-placement";

  /** How often live tails poll the heads of segments other nodes write. */
  static final Duration LIVE_POLL_INTERVAL = Duration.ofMillis(25);

  /**
   * @param voters every placement voter, id → Raft address (host:port)
   * @param advertisedHttp the host:port other nodes and clients use to reach this node's API
   * @param raftDir where this node keeps its Raft log if it is a voter
   */
  public record Config(
      String nodeId,
      HttpApi.Options http,
      String advertisedHttp,
      Map<String, String> voters,
      Path raftDir,
      PlacementConfig placement,
      SegmentAppender.Config appender,
      Duration startupTimeout,
      Compactor.Options compaction) {

    public Config {
      Objects.requireNonNull(nodeId, "nodeId");
      voters = Map.copyOf(voters);
    }

    boolean isVoter() {
      return voters.containsKey(nodeId);
    }
  }

  private final Config config;
  private final KvStore store;
  private final HttpRuntime runtime;
  private final long incarnation;
  private final ScheduledExecutorService timer;
  private final PrometheusMeterRegistry registry;
  private final StreamReader reader;
  private final CursorReader cursorReader;
  private final LiveHeads liveHeads;
  private final ConsumerCursors consumers;
  private final AppendLimits limits;
  private final Map<SegmentId, SegmentAppender> appenders = new ConcurrentHashMap<>();
  private final Map<SegmentId, Long> unreportedSeals = new ConcurrentHashMap<>();
  // Seal reports, successor requests, the heartbeat and a re-registration under way: a heartbeat
  // tick does not send another while one is, so an unreachable group meets no storm of calls.
  private final Set<SegmentId> sealReportsInFlight = ConcurrentHashMap.newKeySet();
  private final Set<SegmentId> movesInFlight = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
  private final AtomicBoolean reregistering = new AtomicBoolean();
  // What readiness and the log say while the lease has lapsed.
  private volatile long lastAckNanos = System.nanoTime();
  private volatile String lastPlacementError;
  private volatile long lastWaitWarningNanos;
  private final ViewWaiters views = new ViewWaiters(null);
  private final Counter leaseRenewals;
  private final Counter leaseLosses;
  private final DistributionSummary batchEvents;
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final Compactor compactor;
  private volatile RatisPlacementPeer peer;
  private PlacementClient placement;
  private LeaseKeeper lease;
  private HttpApi http;
  private int httpPort;
  private volatile boolean registered;
  private volatile boolean closed;

  public Node(Config config, KvStore store, HttpRuntime runtime) {
    this.config = config;
    this.store = store;
    this.runtime = runtime;
    this.incarnation = System.currentTimeMillis();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fossil-node-" + config.nodeId());
              t.setDaemon(true);
              return t;
            });
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", config.nodeId());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    this.reader = new StreamReader(store);
    this.cursorReader = new CursorReader(store);
    this.liveHeads =
        new LiveHeads(store, this::view, id -> appenders.containsKey(id), LIVE_POLL_INTERVAL);
    this.consumers =
        new ConsumerCursors(
            store,
            // Stored cursors and awaited positions from before a compaction, in today's segments.
            new ConsumerCursors.Translation(
                p -> view().history().translate(p), c -> view().history().translate(c)),
            ConsumerCursors.DEFAULT_POLL_INTERVAL);
    this.limits = new AppendLimits(store.limits());
    this.leaseRenewals =
        Counter.builder("fossil.lease.renewals")
            .description("heartbeats acknowledged")
            .register(registry);
    this.leaseLosses =
        Counter.builder("fossil.lease.losses")
            .description("heartbeats refused: every lease of this node was lost")
            .register(registry);
    this.batchEvents =
        DistributionSummary.builder("fossil.append.batch.events")
            .description("events per storage batch written by this node's appenders")
            .publishPercentileHistogram()
            .register(registry);
    Gauge.builder("fossil.placement.leader", this, n -> n.peer != null && n.peer.isLeader() ? 1 : 0)
        .description("1 while this node leads the placement group")
        .register(registry);
    Gauge.builder(
            "fossil.placement.follower.silence",
            this,
            n -> {
              if (n.peer == null) {
                return Double.NaN;
              }
              OptionalLong silence = n.peer.longestFollowerSilenceMillis();
              return silence.isPresent() ? silence.getAsLong() / 1000.0 : Double.NaN;
            })
        .baseUnit("seconds")
        .description(
            "on the placement leader, how long the least recently heard follower has been silent;"
                + " NaN elsewhere")
        .register(registry);
    Gauge.builder("fossil.segments.owned", appenders, Map::size)
        .description("segments this node writes")
        .register(registry);
    this.compactor =
        new Compactor(
            config.compaction(),
            this::view,
            command -> placement.submit(command),
            this::awaitApplied,
            translate ->
                consumers.rewriteAll(
                    c -> {
                      try {
                        Cursor t = translate.apply(c);
                        return t.equals(c) ? Optional.empty() : Optional.of(t);
                      } catch (IllegalArgumentException e) {
                        return Optional.empty(); // expired or invalid: its reader gets the error
                      }
                    }),
            CompactionTimer.system(timer));
    FunctionCounter.builder("fossil.compaction.runs", compactor, Compactor::runsCompacted)
        .description("runs of sealed segments this node compacted")
        .register(registry);
    FunctionCounter.builder(
            "fossil.compaction.segments.retired", compactor, Compactor::segmentsRetired)
        .description("segments this node's compaction passes retired into compacted ones")
        .register(registry);
    FunctionCounter.builder(
            "fossil.compaction.cursors.rewritten", compactor, Compactor::cursorsRewritten)
        .description("stored consumer cursors rewritten after compaction")
        .register(registry);
    Gauge.builder("fossil.segments.sealed", this, n -> n.view().segments().size() - open(n.view()))
        .description("sealed segments in the placement DAG (compaction lowers it)")
        .register(registry);
    Gauge.builder(
            "fossil.compaction.runs.pending",
            this,
            n -> Compaction.runs(n.view().segments()).size())
        .description("runs of sealed segments compaction could merge now")
        .register(registry);
  }

  private static int open(PlacementView v) {
    return (int) v.segments().stream().filter(Segment::isOpen).count();
  }

  /** Starts the voter (if any), registers, takes leases, follows placement, serves HTTP. */
  public CompletableFuture<Void> start() {
    CompletableFuture<Void> voter = CompletableFuture.completedFuture(null);
    if (config.isVoter()) {
      peer =
          new RatisPlacementPeer(
              new RatisPlacementPeer.Config(
                  config.nodeId(),
                  config.voters(),
                  config.raftDir(),
                  GROUP,
                  config.placement(),
                  Duration.ofMillis(Math.max(100, config.placement().leaseMillis() / 10)),
                  10_000),
              store,
              Clock.systemUTC());
      voter = peer.start();
    }
    long deadline = System.nanoTime() + config.startupTimeout().toNanos();
    return voter
        .thenRun(
            () -> {
              Duration leaseLength = Duration.ofMillis(config.placement().leaseMillis());
              // A placement call retries for a lease (at least a request timeout) and ends at most
              // one request timeout and 0.4 s after that: a call that cannot be answered must not
              // hold back the heartbeats behind it for long.
              Duration requestTimeout = Duration.ofSeconds(3);
              placement =
                  RatisPlacementClient.connect(
                      GROUP,
                      config.voters(),
                      requestTimeout,
                      leaseLength.compareTo(requestTimeout) > 0 ? leaseLength : requestTimeout);
              lease =
                  new LeaseKeeper(
                      placement,
                      config.nodeId(),
                      incarnation,
                      leaseLength,
                      leaseLength.dividedBy(5),
                      System::nanoTime);
            })
        .thenCompose(x -> register(deadline))
        .thenCompose(x -> placement.view())
        .thenCompose(
            v -> {
              onView(v);
              http = new HttpApi(runtime, this, config.http());
              return http.start();
            })
        .thenAccept(
            port -> {
              httpPort = port;
              long every = Math.max(50, config.placement().leaseMillis() / 4);
              timer.scheduleWithFixedDelay(this::heartbeat, 0, every, TimeUnit.MILLISECONDS);
              long compactEvery = config.compaction().interval().toMillis();
              if (compactEvery > 0) {
                timer.scheduleWithFixedDelay(
                    this::compactIfLeader, compactEvery, compactEvery, TimeUnit.MILLISECONDS);
              }
              follow();
              LOG.info(
                  "node {} (incarnation {}) serves HTTP on {}:{}",
                  config.nodeId(),
                  incarnation,
                  config.http().host(),
                  port);
            });
  }

  /** The port the HTTP API is bound to (after {@link #start()}). */
  public int httpPort() {
    return httpPort;
  }

  public long incarnation() {
    return incarnation;
  }

  /** Registers, retrying while the placement group elects a leader, until {@code deadline}. */
  private CompletableFuture<Void> register(long deadline) {
    String raft = config.voters().getOrDefault(config.nodeId(), "");
    return placement
        .submit(
            new PlacementCommand.Register(
                config.nodeId(), incarnation, config.advertisedHttp(), raft))
        .handle(
            (reply, error) -> {
              if (reply instanceof PlacementReply.Leased) {
                registered = true;
                return CompletableFuture.<Void>completedFuture(null);
              }
              if (reply instanceof PlacementReply.Rejected r) {
                return CompletableFuture.<Void>failedFuture(
                    new IllegalStateException(
                        "placement refused node " + config.nodeId() + ": " + r.message()));
              }
              if (System.nanoTime() - deadline > 0) {
                return CompletableFuture.<Void>failedFuture(
                    new IllegalStateException(
                        "the placement group did not answer within "
                            + config.startupTimeout()
                            + " (voters "
                            + config.voters()
                            + "): "
                            + error));
              }
              return CompletableFuture.supplyAsync(
                      () -> null, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS))
                  .thenCompose(y -> register(deadline));
            })
        .thenCompose(f -> f)
        .thenCompose(x -> lease.heartbeat())
        .thenAccept(
            renewal -> {
              if (renewal instanceof LeaseKeeper.Renewal.Held) {
                heartbeatAcknowledged();
              }
            });
  }

  // ------------------------------------------------------------------ following placement

  private void follow() {
    if (closed) {
      return;
    }
    long after = views.latest().version();
    placement
        .awaitChange(after, Duration.ofSeconds(10))
        // A long poll that never answers (a call lost in a pause or a partition) must not stop
        // this node from following placement for good: give up on it and poll again.
        .orTimeout(20, TimeUnit.SECONDS)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                if (!closed) {
                  placementFailed("its placement long poll (view version " + after + ")", e);
                }
                timer.schedule(this::follow, 500, TimeUnit.MILLISECONDS);
                return;
              }
              try {
                onView(v);
              } catch (RuntimeException ex) {
                LOG.error("applying placement version {} failed", v.version(), ex);
              }
              follow();
            });
  }

  /** Starts and stops appenders for {@code next}, then publishes it. */
  private synchronized void onView(PlacementView next) {
    PlacementView current = views.latest();
    if (closed || (current != null && next.version() < current.version())) {
      return;
    }
    for (Segment s : next.segments()) {
      if (mine(s) && !appenders.containsKey(s.id())) {
        startAppender(s, next);
      }
    }
    for (Map.Entry<SegmentId, SegmentAppender> e : new ArrayList<>(appenders.entrySet())) {
      Optional<Segment> s = next.segment(e.getKey());
      if (s.isEmpty() || !mine(s.get())) {
        appenders.remove(e.getKey());
        e.getValue().close();
        LOG.debug("node {} stopped writing segment {}", config.nodeId(), e.getKey());
      }
    }
    views.publish(next);
  }

  private boolean mine(Segment s) {
    return s.isOpen() && s.owner().equals(config.nodeId()) && s.ownerIncarnation() == incarnation;
  }

  private void startAppender(Segment s, PlacementView in) {
    List<SegmentId> ancestors =
        in.segments().stream()
            .filter(a -> !a.isOpen() && !a.finalKnown() && a.id().isAncestorOf(s.id()))
            .map(Segment::id)
            .sorted(Comparator.naturalOrder())
            .toList();
    SegmentAppender appender =
        new SegmentAppender(
            store,
            s.id(),
            s.epoch(),
            incarnation,
            ancestors,
            lease.deadlineNanos(),
            config.appender(),
            Clock.systemUTC(),
            System::nanoTime);
    appender.onBatchCommitted(
        n -> {
          batchEvents.record(n);
          liveHeads.committed(s.id());
        });
    appenders.put(s.id(), appender);
    LOG.debug("node {} starts writing segment {} (epoch {})", config.nodeId(), s.id(), s.epoch());
    appender
        .start()
        .whenComplete(
            (finalCounters, error) -> {
              if (error != null) {
                LOG.warn(
                    "node {} could not take segment {}: {}",
                    config.nodeId(),
                    s.id(),
                    error.toString());
                appenders.remove(s.id(), appender);
                appender.close();
                return;
              }
              unreportedSeals.putAll(finalCounters);
              reportSeals();
            });
  }

  /**
   * Tells placement the final counters found while sealing; retried on every heartbeat, one report
   * per segment under way at a time.
   */
  private void reportSeals() {
    for (Map.Entry<SegmentId, Long> e : new HashMap<>(unreportedSeals).entrySet()) {
      if (!sealReportsInFlight.add(e.getKey())) {
        continue;
      }
      placement
          .submit(new PlacementCommand.ReportSeal(e.getKey(), e.getValue()))
          .whenComplete(
              (r, error) -> {
                sealReportsInFlight.remove(e.getKey());
                if (error == null) {
                  unreportedSeals.remove(e.getKey(), e.getValue());
                }
              });
    }
  }

  // ------------------------------------------------------------------ lease

  /** One heartbeat under way at a time: the placement client bounds how long one may take. */
  private void heartbeat() {
    if (closed) {
      return;
    }
    if (heartbeatInFlight.compareAndSet(false, true)) {
      CompletableFuture<LeaseKeeper.Renewal> sent;
      try {
        sent = lease.heartbeat();
      } catch (RuntimeException e) { // a timer task must not throw: it would never run again
        sent = CompletableFuture.failedFuture(e);
      }
      sent.whenComplete(
          (renewal, error) -> {
            heartbeatInFlight.set(false);
            if (error != null) {
              placementFailed("a heartbeat", error);
              return;
            }
            if (renewal instanceof LeaseKeeper.Renewal.Held held) {
              heartbeatAcknowledged();
              leaseRenewals.increment();
              appenders.values().forEach(a -> a.renewLease(held.deadlineNanos()));
            } else if (renewal instanceof LeaseKeeper.Renewal.Lost lost) {
              leaseLosses.increment();
              LOG.warn("node {} lost its leases: {}", config.nodeId(), lost.reason().message());
              if (lost.reason().code() == PlacementReply.Code.UNKNOWN_MEMBER) {
                reregister();
              }
            }
          });
    }
    checkAppenders();
    reportSeals();
  }

  /** Registers again after placement forgot this node; one registration under way at a time. */
  private void reregister() {
    if (closed || !reregistering.compareAndSet(false, true)) {
      return;
    }
    LOG.warn("node {} registers again (incarnation {})", config.nodeId(), incarnation);
    register(System.nanoTime() + config.startupTimeout().toNanos())
        .whenComplete(
            (x, error) -> {
              reregistering.set(false);
              if (error != null && !closed) {
                placementFailed("its registration", error);
              }
            });
  }

  /** The placement group answered: what readiness reports about failures is history now. */
  private void heartbeatAcknowledged() {
    lastAckNanos = System.nanoTime();
    lastPlacementError = null;
  }

  /**
   * Records a failed placement call. While the lease holds, a failure is routine (a leader change);
   * once it has lapsed, the node says at WARN what it waits for, at most once a second.
   */
  private void placementFailed(String what, Throwable error) {
    lastPlacementError = what + " failed: " + error;
    if (closed || lease.holds()) {
      LOG.debug("node {}: {}", config.nodeId(), lastPlacementError);
      return;
    }
    long now = System.nanoTime();
    if (now - lastWaitWarningNanos < TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    lastWaitWarningNanos = now;
    LOG.warn(
        "node {} waits for the placement group (voters {}): its lease has lapsed, no heartbeat"
            + " acknowledged for {} ms; {}",
        config.nodeId(),
        config.voters().keySet(),
        TimeUnit.NANOSECONDS.toMillis(now - lastAckNanos),
        lastPlacementError);
  }

  /**
   * An appender that fenced itself (its storage outcome stayed unknown) or found its segment sealed
   * while placement still lists it as ours asks placement for a successor on this same node.
   */
  private void checkAppenders() {
    PlacementView v = views.latest();
    appenders.forEach(
        (id, a) -> {
          SegmentAppender.State state = a.state();
          if ((state == SegmentAppender.State.SEALED || state == SegmentAppender.State.FAILED)
              && v.segment(id).map(this::mine).orElse(false)) {
            if (!movesInFlight.add(id)) {
              return;
            }
            LOG.warn(
                "segment {} stopped on node {} ({}); asking for a successor",
                id,
                config.nodeId(),
                state);
            placement
                .submit(new PlacementCommand.Move(id, config.nodeId()))
                .whenComplete((r, e) -> movesInFlight.remove(id));
          }
        });
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
    return Optional.ofNullable(appenders.get(segment));
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
   * Once a change is acknowledged, this node's view shows it (waiting up to 5 s for the long poll
   * that brings it): what a caller changes, it then reads here.
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

  /** Waits (up to 5 s) until this node's view has reached placement version {@code version}. */
  private CompletableFuture<PlacementView> awaitApplied(long version) {
    return views.await(version - 1, Duration.ofSeconds(5));
  }

  @Override
  public CompletableFuture<Compactor.Report> compact() {
    return compactor.runOnce();
  }

  /** The scheduled pass: only the placement leader compacts, so passes do not race needlessly. */
  private void compactIfLeader() {
    if (closed || peer == null || !peer.isLeader()) {
      return;
    }
    compactor
        .runOnce()
        .whenComplete(
            (report, error) -> {
              if (error != null) {
                LOG.debug("compaction pass on {} failed: {}", config.nodeId(), error.toString());
              } else if (!report.compacted().isEmpty() || report.cursorsRewritten() > 0) {
                LOG.info(
                    "compaction: {} runs, {} segments retired, {} stored cursors rewritten in {}"
                        + " ms ({} ms of it paused to stay within its share){}",
                    report.compacted().size(),
                    report.segmentsRetired(),
                    report.cursorsRewritten(),
                    report.took().toMillis(),
                    report.throttled().toMillis(),
                    report.more() ? "; more next pass" : "");
              }
            });
  }

  @Override
  public String notReadyReason() {
    if (closed) {
      return "the node is shutting down";
    }
    if (!registered) {
      return "not yet registered with the placement group";
    }
    if (!lease.holds()) {
      String last = lastPlacementError;
      return "this node's lease has lapsed: the placement group has not acknowledged a heartbeat"
          + " for "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastAckNanos)
          + " ms"
          + (last == null ? "" : "; last: " + last);
    }
    if (views.latest().segments().stream().noneMatch(Segment::isOpen)) {
      return "the ring is not assigned yet: waiting for "
          + config.placement().expectedVoters()
          + " nodes to register";
    }
    return null;
  }

  @Override
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Hands this node's segments to other nodes: tells placement it is leaving, then waits (up to
   * {@code maxWait}) until no open segment is owned by it.
   */
  public CompletableFuture<Boolean> leave(Duration maxWait) {
    long deadline = System.nanoTime() + maxWait.toNanos();
    return placement
        .submit(new PlacementCommand.Leave(config.nodeId(), incarnation))
        .thenCompose(r -> awaitNoSegments(deadline))
        .exceptionally(
            e -> {
              LOG.warn(
                  "node {} could not hand its segments away: {}", config.nodeId(), e.toString());
              return false;
            });
  }

  private CompletableFuture<Boolean> awaitNoSegments(long deadline) {
    PlacementView v = views.latest();
    boolean none =
        v.segments().stream().noneMatch(s -> s.isOpen() && s.owner().equals(config.nodeId()));
    long left = deadline - System.nanoTime();
    if (none || left <= 0) {
      return CompletableFuture.completedFuture(none);
    }
    return awaitView(v.version(), Duration.ofNanos(left))
        .thenCompose(x -> awaitNoSegments(deadline));
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
      http.stop().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    appenders.values().forEach(SegmentAppender::close);
    appenders.clear();
    liveHeads.close();
    consumers.close();
    timer.shutdownNow();
    if (placement != null) {
      placement.close();
    }
    if (peer != null) {
      peer.close();
    }
    gcMetrics.close();
    registry.close();
    views.completeAll();
  }
}
