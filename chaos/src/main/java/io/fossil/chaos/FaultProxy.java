package io.fossil.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay in front of one address, whose path can be slowed or cut while connections run. The
 * kernel here has no netem, so this is where the suite's delays come from, and (on loopback, where
 * iptables cannot tell the nodes apart) its partitions.
 *
 * <p>Modes, switchable at any time from any thread:
 *
 * <ul>
 *   <li>{@link Mode.Pass}: every chunk read is written on at once.
 *   <li>{@link Mode.Delay}: every chunk read is written on a fixed latency after it was read, in
 *       order per direction; a chunk read under a longer latency holds back the ones read after it,
 *       so lowering or healing the latency never reorders bytes. Up to {@value #QUEUED_CHUNKS}
 *       chunks wait per direction; beyond that the proxy stops reading, and the sender's own
 *       buffers fill up, as behind a slow link.
 *   <li>{@link Mode.Blackhole}: nothing moves either way. Open connections stay open and silent,
 *       and a new connection is accepted but reaches the target only on heal. This is what TCP sees
 *       across a network that drops every packet: no reset and no FIN, only silence until some
 *       deadline of the application's fires, and if the connection outlived the cut, every byte
 *       delivered once it heals. Closing connections instead would tell both ends at once that the
 *       path is gone, which a partition never does; dropping bytes while keeping a connection would
 *       deliver a stream with a hole, which TCP never does.
 * </ul>
 *
 * <p>Blocking sockets: a connection costs four platform threads (a reader and a writer per
 * direction), fine for the few long-lived gRPC connections it carries. A failure on either side
 * closes both sides.
 */
final class FaultProxy implements AutoCloseable {

  /** What the proxy does to the bytes. */
  sealed interface Mode {

    /** Bytes go through as they come. */
    record Pass() implements Mode {}

    /** Every chunk waits {@code latency} before it is written on. */
    record Delay(Duration latency) implements Mode {
      public Delay {
        if (latency.isNegative() || latency.isZero()) {
          throw new IllegalArgumentException("a delay must be positive, not " + latency);
        }
      }
    }

    /** Nothing moves, either way; connections stay open. */
    record Blackhole() implements Mode {}
  }

  private static final int CHUNK_BYTES = 16 * 1024;
  private static final int QUEUED_CHUNKS = 1024;
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  private final String name;
  private final InetSocketAddress listen;
  private final InetSocketAddress target;
  private final Object lock = new Object();
  private Mode mode = new Mode.Pass(); // guarded by lock
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong bytesQueued = new AtomicLong();
  private volatile ServerSocket server;

  /**
   * @param listen where to listen (port 0: any free port, see {@link #port()} after {@link
   *     #start()})
   * @param target where to relay every connection to
   */
  FaultProxy(String name, InetSocketAddress listen, InetSocketAddress target) {
    this.name = name;
    this.listen = listen;
    this.target = target;
  }

  /** Binds and starts accepting in pass mode; {@link #port()} then says where. */
  void start() throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(listen, 64);
    server = socket;
    daemon(this::accept, "proxy-" + name + "-accept").start();
  }

  /** The port it listens on (after {@link #start()}). */
  int port() {
    return server.getLocalPort();
  }

  /** Heals: bytes go through as they come (after any still held by an earlier delay). */
  void pass() {
    set(new Mode.Pass());
  }

  /** Adds {@code latency} to every chunk read from now on, in both directions. */
  void delay(Duration latency) {
    set(new Mode.Delay(latency));
  }

  /** Stops all traffic both ways until the next {@link #pass()} or {@link #delay}. */
  void blackhole() {
    set(new Mode.Blackhole());
  }

  private void set(Mode next) {
    synchronized (lock) {
      mode = next;
      lock.notifyAll();
    }
  }

  /** Connections open now (for tests). */
  int openConnections() {
    return links.size();
  }

  /**
   * Bytes read from either side so far, counted once each has its due time (for tests: a byte
   * counted here keeps the latency it was read under).
   */
  long bytesRead() {
    return bytesQueued.get();
  }

  /** Stops listening and closes every connection; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (lock) {
      lock.notifyAll();
    }
    ServerSocket socket = server;
    if (socket != null) {
      closeQuietly(socket);
    }
    links.forEach(Link::close);
  }

  private void accept() {
    while (!closed.get()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Link link = new Link(client);
      links.add(link);
      if (closed.get()) {
        link.close();
        return;
      }
      daemon(link::open, "proxy-" + name + "-" + connections.incrementAndGet()).start();
    }
  }

  /** Blocks while the path is cut. */
  private void awaitOpen() throws InterruptedException {
    synchronized (lock) {
      while (mode instanceof Mode.Blackhole && !closed.get()) {
        lock.wait();
      }
    }
  }

  /** The latency a chunk read now must wait, in nanoseconds. */
  private long latencyNanos() {
    synchronized (lock) {
      return mode instanceof Mode.Delay d ? d.latency().toNanos() : 0;
    }
  }

  /** Blocks until a chunk due at {@code dueNanos} may be written: its time came, the path is up. */
  private void awaitDue(long dueNanos) throws InterruptedException {
    synchronized (lock) {
      while (!closed.get()) {
        long left = dueNanos - System.nanoTime();
        if (mode instanceof Mode.Blackhole) {
          lock.wait();
        } else if (left > 0) {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } else {
          return;
        }
      }
    }
  }

  /** A chunk read at some time, due to be written at {@code dueNanos}; null bytes mean EOF. */
  private record Chunk(byte[] bytes, long dueNanos) {}

  /** One relayed connection: the client's socket and ours to the target. */
  private final class Link {
    private final Socket client;
    private volatile Socket upstream;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger finishedDirections = new AtomicInteger();
    private final AtomicBoolean done = new AtomicBoolean();

    Link(Socket client) {
      this.client = client;
    }

    /** Reaches the target (on heal, if the path is cut now) and starts relaying both ways. */
    void open() {
      threads.add(Thread.currentThread());
      try {
        awaitOpen();
        Socket up = new Socket();
        upstream = up;
        if (done.get()) {
          closeQuietly(up);
          return;
        }
        up.setTcpNoDelay(true);
        up.connect(target, CONNECT_TIMEOUT_MS);
        client.setTcpNoDelay(true);
        String prefix = Thread.currentThread().getName();
        relay(client, up, prefix + "-out");
        relay(up, client, prefix + "-in");
      } catch (IOException | InterruptedException e) {
        close();
      }
    }

    private void relay(Socket from, Socket to, String threadName) throws IOException {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
      Thread reader = daemon(() -> read(in, queue), threadName + "-read");
      Thread writer = daemon(() -> write(queue, to, out), threadName + "-write");
      threads.add(reader);
      threads.add(writer);
      reader.start();
      writer.start();
      if (done.get()) { // closed while these were being added: close() may not have seen them
        reader.interrupt();
        writer.interrupt();
      }
    }

    private void read(InputStream in, BlockingQueue<Chunk> queue) {
      byte[] buffer = new byte[CHUNK_BYTES];
      try {
        while (true) {
          int n = in.read(buffer);
          // A chunk read while the path is cut is held here, so the proxy stops reading and the
          // sender's own buffers fill up, as they would behind a dropping network.
          awaitOpen();
          long due = System.nanoTime() + latencyNanos();
          queue.put(new Chunk(n < 0 ? null : Arrays.copyOf(buffer, n), due));
          if (n < 0) {
            return;
          }
          bytesQueued.addAndGet(n);
        }
      } catch (IOException | InterruptedException e) {
        close();
      }
    }

    private void write(BlockingQueue<Chunk> queue, Socket to, OutputStream out) {
      try {
        while (true) {
          Chunk chunk = queue.take();
          awaitDue(chunk.dueNanos());
          if (closed.get()) {
            close();
            return;
          }
          if (chunk.bytes() == null) {
            to.shutdownOutput(); // pass the half-close on
            if (finishedDirections.incrementAndGet() == 2) {
              close();
            }
            return;
          }
          out.write(chunk.bytes());
        }
      } catch (IOException | InterruptedException e) {
        close();
      }
    }

    /** Closes both sockets and stops every thread of this connection; idempotent. */
    void close() {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      links.remove(this);
      closeQuietly(client);
      Socket up = upstream;
      if (up != null) {
        closeQuietly(up);
      }
      for (Thread t : threads) {
        if (t != Thread.currentThread()) {
          t.interrupt();
        }
      }
    }
  }

  private static Thread daemon(Runnable body, String threadName) {
    Thread t = new Thread(body, threadName);
    t.setDaemon(true);
    return t;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // Closing is best effort: the socket is gone either way.
    }
  }
}
