package io.fossil.router;

import io.fossil.compaction.Compactor;
import io.fossil.kv.KeyRange;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.ScanPage;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.owner.AppendLimits;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.Member;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors;
import io.fossil.reader.CursorReader;
import io.fossil.reader.LiveHeads;
import io.fossil.reader.StreamReader;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link NodeServices} seam for router tests: a real in-memory store, real readers and real
 * {@link SegmentAppender}s, with the placement view, the appenders it runs, placement commands,
 * compaction and readiness set by the test. {@link #awaitView} answers at once with the current
 * view (no newer one comes), so a route that waits for placement gives up without a delay.
 */
final class FakeNode implements NodeServices, AutoCloseable {

  static final String SELF = "n1";
  static final String OTHER = "n2";
  static final String CLUSTER = "router-test";

  /** The one segment of the ring in the default view. */
  static final SegmentId RING = new SegmentId(1, 0, -1L);

  final KvStore store = KvStores.open("mem:");

  /** The store the appenders write through; it can be told to answer writes as unknown. */
  final FlakyWrites appenderStore = new FlakyWrites(store);

  final List<PlacementCommand> submitted = new CopyOnWriteArrayList<>();
  volatile PlacementView view = view(RING, SELF);
  volatile Function<PlacementCommand, CompletableFuture<PlacementReply>> placement =
      c -> CompletableFuture.failedFuture(new AssertionError("no placement in this test"));
  volatile Supplier<CompletableFuture<Compactor.Report>> compaction =
      () -> CompletableFuture.failedFuture(new AssertionError("no compaction in this test"));
  volatile String notReadyReason;
  volatile Supplier<CompletableFuture<Voters>> voters =
      () -> CompletableFuture.failedFuture(new AssertionError("no voters in this test"));
  final List<VoterChange> voterChanges = new CopyOnWriteArrayList<>();
  volatile Function<VoterChange, CompletableFuture<VotersReply>> changeVoters =
      c -> CompletableFuture.failedFuture(new AssertionError("no voters in this test"));

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<SegmentId, SegmentAppender> appenders = new ConcurrentHashMap<>();
  private final List<SegmentAppender> started = new ArrayList<>();
  private final StreamReader reader = new StreamReader(store);
  private final CursorReader cursorReader = new CursorReader(store);
  private final ConsumerCursors consumers = new ConsumerCursors(store);
  private LiveHeads liveHeads;

  /** A view of two live members in which {@code owner} owns the open segment {@code segment}. */
  static PlacementView view(SegmentId segment, String owner) {
    return new PlacementView(
        7,
        0,
        CLUSTER,
        List.of(member(SELF, "127.0.0.1:1"), member(OTHER, "other.example:8080")),
        List.of(
            new Segment(
                segment,
                Segment.State.OPEN,
                owner,
                1,
                1,
                List.of(),
                List.of(),
                Segment.FINAL_UNKNOWN)),
        10_000,
        segment.seq() + 1,
        segment.seq());
  }

  /** A view in which no segment covers any stream (the ring is not assigned yet). */
  static PlacementView unassigned() {
    return new PlacementView(
        3, 0, CLUSTER, List.of(member(SELF, "127.0.0.1:1")), List.of(), 10_000, 1, 0);
  }

  private static Member member(String id, String http) {
    return new Member(id, 1, http, http, 0, Long.MAX_VALUE, false, 0);
  }

  /** Starts a real appender for {@code segment} and runs it on this node. */
  SegmentAppender runAppender(SegmentId segment, SegmentAppender.Config config) {
    SegmentAppender appender =
        new SegmentAppender(
            appenderStore,
            segment,
            1,
            1,
            List.of(),
            System.nanoTime() + Duration.ofHours(1).toNanos(),
            config,
            Clock.systemUTC(),
            System::nanoTime);
    appender.start().join();
    synchronized (started) {
      started.add(appender);
    }
    appenders.put(segment, appender);
    return appender;
  }

  @Override
  public String nodeId() {
    return SELF;
  }

  @Override
  public PlacementView view() {
    return view;
  }

  @Override
  public CompletableFuture<PlacementView> awaitView(long afterVersion, Duration maxWait) {
    return CompletableFuture.completedFuture(view);
  }

  @Override
  public Optional<SegmentAppender> appender(SegmentId segment) {
    return Optional.ofNullable(appenders.get(segment));
  }

  @Override
  public AppendLimits limits() {
    return new AppendLimits(store.limits());
  }

  @Override
  public StreamReader reader() {
    return reader;
  }

  @Override
  public CursorReader cursorReader() {
    return cursorReader;
  }

  /** Real live heads that poll the store every 20 ms (appenders here do not report commits). */
  @Override
  public synchronized LiveHeads liveHeads() {
    if (liveHeads == null) {
      liveHeads = new LiveHeads(store, () -> view, s -> false, Duration.ofMillis(20));
    }
    return liveHeads;
  }

  /** Every key and value in the store, in hex: what a refused request must leave as it was. */
  List<String> contents() {
    return store.scan(KeyRange.all(), 10_000, false).join().entries().stream()
        .map(e -> HexFormat.of().formatHex(e.key()) + "=" + HexFormat.of().formatHex(e.value()))
        .toList();
  }

  @Override
  public ConsumerCursors consumers() {
    return consumers;
  }

  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    submitted.add(command);
    return placement.apply(command);
  }

  @Override
  public CompletableFuture<Voters> voters() {
    return voters.get();
  }

  @Override
  public CompletableFuture<VotersReply> changeVoters(VoterChange change) {
    voterChanges.add(change);
    return changeVoters.apply(change);
  }

  @Override
  public CompletableFuture<Compactor.Report> compact() {
    return compaction.get();
  }

  @Override
  public String notReadyReason() {
    return notReadyReason;
  }

  @Override
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (liveHeads != null) {
        liveHeads.close();
      }
    }
    synchronized (started) {
      started.forEach(SegmentAppender::close);
    }
    store.close();
  }

  /**
   * A store whose writes, once {@link #unknown} is set, all answer {@link WriteOutcome.Unknown}:
   * the storage cannot say whether a write landed, which an appender resolves and, failing that,
   * reports as an unknown outcome.
   */
  static final class FlakyWrites implements KvStore {
    private final KvStore delegate;
    volatile boolean unknown;

    FlakyWrites(KvStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Optional<byte[]>> get(byte[] key) {
      return delegate.get(key);
    }

    @Override
    public CompletableFuture<ScanPage> scan(KeyRange range, int limit, boolean reverse) {
      return delegate.scan(range, limit, reverse);
    }

    @Override
    public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
      return unknown
          ? CompletableFuture.completedFuture(new WriteOutcome.Unknown("test: no answer", null))
          : delegate.write(batch);
    }

    @Override
    public KvLimits limits() {
      return delegate.limits();
    }

    @Override
    public void close() {}
  }
}
