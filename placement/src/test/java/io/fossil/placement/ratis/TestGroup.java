package io.fossil.placement.ratis;

import static org.awaitility.Awaitility.await;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.placement.PlacementConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.ratis.util.ExitUtils;

/**
 * A test's placement group: a fresh group name and in-memory store, voters p1, p2 and p3 on free
 * loopback ports (Ratis over gRPC, long leases), and the voters started so far. Closing it stops
 * them and the store.
 */
final class TestGroup implements AutoCloseable {

  static {
    // Ratis ends the JVM when a server cannot bind its port (GrpcServicesImpl); in a test that
    // kills the whole fork. Disabled, it throws instead, and start() below can try again.
    ExitUtils.disableSystemExit();
  }

  private final AtomicInteger portTaken = new AtomicInteger();

  final String name = "test-" + UUID.randomUUID();
  final KvStore store = KvStores.open("mem:" + name);
  final Map<String, String> addresses = new LinkedHashMap<>();
  final List<RatisPlacementPeer> peers = new ArrayList<>();
  private final Path dir;
  private final long snapshotEvery;
  private final Function<String, ControlPlaneSecurity> security;
  private final PlacementConfig placement;
  private final Clock clock;
  private final Duration tickInterval;

  /** Voters keep their Raft storage under {@code dir/id} and snapshot every so many entries. */
  TestGroup(Path dir, long snapshotEvery) throws IOException {
    this(dir, snapshotEvery, id -> ControlPlaneSecurity.insecure());
  }

  /** As above, each voter protected as {@code security} says for its id. */
  TestGroup(Path dir, long snapshotEvery, Function<String, ControlPlaneSecurity> security)
      throws IOException {
    this(dir, snapshotEvery, security, new PlacementConfig(8, 3, 600_000, 4));
  }

  /** As above, every voter with the placement policy {@code placement}. */
  TestGroup(
      Path dir,
      long snapshotEvery,
      Function<String, ControlPlaneSecurity> security,
      PlacementConfig placement)
      throws IOException {
    this(dir, snapshotEvery, security, placement, Clock.systemUTC(), Duration.ofMillis(100));
  }

  /**
   * As above, every voter stamping commands from {@code clock}, and the leader's duties (sequence
   * reservation, ticks) every {@code tickInterval}.
   */
  TestGroup(
      Path dir,
      long snapshotEvery,
      Function<String, ControlPlaneSecurity> security,
      PlacementConfig placement,
      Clock clock,
      Duration tickInterval)
      throws IOException {
    this.dir = dir;
    this.snapshotEvery = snapshotEvery;
    this.security = security;
    this.placement = placement;
    this.clock = clock;
    this.tickInterval = tickInterval;
    for (String id : List.of("p1", "p2", "p3")) {
      try (ServerSocket s = new ServerSocket(0)) {
        addresses.put(id, "127.0.0.1:" + s.getLocalPort());
      }
    }
  }

  /** Starts every voter. */
  void startAll() throws Exception {
    for (String id : List.copyOf(addresses.keySet())) {
      start(id);
    }
  }

  /**
   * Gives a new node {@code id} a free loopback port for its Raft address, so it can be started and
   * added to the group; voters started after this also know it.
   */
  String newAddress(String id) throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      String address = "127.0.0.1:" + s.getLocalPort();
      addresses.put(id, address);
      return address;
    }
  }

  /** The running peer of {@code id}. */
  RatisPlacementPeer peer(String id) {
    return peers.stream().filter(p -> p.nodeId().equals(id)).findFirst().orElseThrow();
  }

  /** Deletes voter {@code id}'s Raft storage, as a lost disk would (stop it first). */
  void wipe(String id) throws IOException {
    Path root = dir.resolve(id);
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * Starts voter {@code id} (again, after {@link #stop}: it recovers from its storage). A restart
   * can find its port taken for a moment: a socket that another voter's client opened to the
   * stopped voter may have been given that very port as its own, and holds it until gRPC drops it.
   * Then the start is tried again once the port is free, within 30 s.
   */
  RatisPlacementPeer start(String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      RatisPlacementPeer peer =
          new RatisPlacementPeer(
              new RatisPlacementPeer.Config(
                  id,
                  addresses,
                  dir.resolve(id),
                  name,
                  placement,
                  tickInterval,
                  snapshotEvery,
                  null,
                  security.apply(id)),
              store,
              clock);
      try {
        peer.start().get(30, TimeUnit.SECONDS);
        peers.add(peer);
        return peer;
      } catch (ExecutionException e) {
        peer.close();
        if (!isPortTaken(e) || System.nanoTime() > deadline) {
          throw e;
        }
        portTaken.incrementAndGet();
        int port = Integer.parseInt(addresses.get(id).substring("127.0.0.1:".length()));
        await().atMost(Duration.ofSeconds(30)).until(() -> isFree(port));
      }
    }
  }

  /** How many starts found their port taken. */
  int portTakenCount() {
    return portTaken.get();
  }

  private static boolean isPortTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ExitUtils.ExitException || t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.isBound();
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops a voter and forgets it. */
  void stop(RatisPlacementPeer peer) {
    peer.close();
    peers.remove(peer);
  }

  @Override
  public void close() {
    peers.forEach(RatisPlacementPeer::close);
    store.close();
  }
}
