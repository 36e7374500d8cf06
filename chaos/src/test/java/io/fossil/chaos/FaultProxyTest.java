package io.fossil.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault proxy over real loopback sockets: a client connects through it to a target server the
 * test holds, and both ends are read and written directly. Time is asserted only as a lower bound
 * (a delay adds at least its latency), never as an upper one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultProxyTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final List<AutoCloseable> open = new ArrayList<>();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private ServerSocket target;
  private FaultProxy proxy;

  /** One connection through the proxy: the client's end and the target's end. */
  private record Ends(Socket client, Socket server) {}

  @BeforeEach
  void start() throws IOException {
    target = new ServerSocket(0, 50, LOOPBACK);
    target.setSoTimeout(10_000);
    open.add(target);
    proxy =
        new FaultProxy(
            "test",
            new InetSocketAddress(LOOPBACK, 0),
            new InetSocketAddress(LOOPBACK, target.getLocalPort()));
    proxy.start();
    open.add(proxy);
  }

  @AfterEach
  void close() throws Exception {
    executor.shutdownNow();
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void passIsByteExactBothWaysAtOnceAndPassesTheHalfClose() throws Exception {
    Ends ends = connect();
    byte[] up = random(4 << 20, 1);
    byte[] down = random(4 << 20, 2);
    CompletableFuture<Void> writeUp = async(() -> writeAndHalfClose(ends.client(), up));
    CompletableFuture<Void> writeDown = async(() -> writeAndHalfClose(ends.server(), down));
    CompletableFuture<byte[]> readUp = supply(() -> ends.server().getInputStream().readAllBytes());

    byte[] readDown = ends.client().getInputStream().readAllBytes(); // ends at the passed-on EOF

    assertThat(readDown).isEqualTo(down);
    assertThat(readUp.get(30, TimeUnit.SECONDS)).isEqualTo(up);
    writeUp.get(30, TimeUnit.SECONDS);
    writeDown.get(30, TimeUnit.SECONDS);
  }

  @Test
  void blackholeHoldsEveryByteAndNewConnectionsUntilHealedThenDeliversThemExactly()
      throws Exception {
    Ends ends = connect();
    proxy.blackhole();
    ends.client().getOutputStream().write(ascii("ping"));
    ends.server().getOutputStream().write(ascii("pong"));
    Socket late = new Socket();
    open.add(late);
    late.connect(new InetSocketAddress(LOOPBACK, proxy.port()), 5_000);
    CompletableFuture<Socket> lateArrives = supply(target::accept);

    await("nothing to cross the blackhole, either way")
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                ends.server().getInputStream().available() == 0
                    && ends.client().getInputStream().available() == 0
                    && !lateArrives.isDone());

    proxy.pass();

    assertThat(ends.server().getInputStream().readNBytes(4)).isEqualTo(ascii("ping"));
    assertThat(ends.client().getInputStream().readNBytes(4)).isEqualTo(ascii("pong"));
    Socket lateServer = lateArrives.get(10, TimeUnit.SECONDS);
    open.add(lateServer);
    late.getOutputStream().write(ascii("late"));
    assertThat(lateServer.getInputStream().readNBytes(4)).isEqualTo(ascii("late"));
  }

  @Test
  void delayAddsAtLeastTheLatencyToEveryChunkBothWaysAndKeepsTheirOrder() throws Exception {
    Ends ends = connect();
    Duration latency = Duration.ofMillis(300);
    proxy.delay(latency);

    for (Socket[] way :
        new Socket[][] {{ends.client(), ends.server()}, {ends.server(), ends.client()}}) {
      DataOutputStream out = new DataOutputStream(way[0].getOutputStream());
      DataInputStream in = new DataInputStream(way[1].getInputStream());
      long sent = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        out.writeInt(i); // 50 small writes: separate chunks for the proxy, mostly
      }
      assertThat(in.readInt()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(latency);
      for (int i = 1; i < 50; i++) {
        assertThat(in.readInt()).isEqualTo(i);
      }
    }
  }

  @Test
  void healingALongDelayNeverLetsLaterBytesOvertakeEarlierOnes() throws Exception {
    Ends ends = connect();
    Duration latency = Duration.ofMillis(800);
    proxy.delay(latency);
    long sent = System.nanoTime();
    ends.client().getOutputStream().write(1);
    await("the proxy to read the first byte under the delay")
        .atMost(Duration.ofSeconds(5))
        .until(() -> proxy.bytesRead() == 1);
    proxy.pass(); // the second byte is read without a delay, and must still come second
    ends.client().getOutputStream().write(2);

    assertThat(ends.server().getInputStream().readNBytes(2)).containsExactly(1, 2);
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(latency);

    byte[] bulk = random(1 << 20, 3);
    CompletableFuture<Void> write = async(() -> ends.client().getOutputStream().write(bulk));
    assertThat(ends.server().getInputStream().readNBytes(bulk.length)).isEqualTo(bulk);
    write.get(30, TimeUnit.SECONDS);
  }

  @Test
  void closingTheProxyClosesItsConnections() throws Exception {
    Ends ends = connect();
    proxy.close();

    assertThat(endOfStream(ends.client())).isTrue();
    assertThat(endOfStream(ends.server())).isTrue();
    assertThat(proxy.openConnections()).isZero();
  }

  @Test
  void aTargetThatRefusesClosesTheClientsConnection() throws Exception {
    target.close();
    Socket client = new Socket();
    open.add(client);
    client.setSoTimeout(10_000);
    client.connect(new InetSocketAddress(LOOPBACK, proxy.port()), 5_000);

    assertThat(endOfStream(client)).isTrue();
  }

  private Ends connect() throws IOException {
    Socket client = new Socket();
    open.add(client);
    client.setSoTimeout(10_000);
    client.setTcpNoDelay(true);
    client.connect(new InetSocketAddress(LOOPBACK, proxy.port()), 5_000);
    Socket server = target.accept();
    open.add(server);
    server.setSoTimeout(10_000);
    server.setTcpNoDelay(true);
    return new Ends(client, server);
  }

  /**
   * Whether the socket reads end of stream (or a reset, the same to a reader) before its timeout.
   */
  private static boolean endOfStream(Socket socket) {
    try {
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static void writeAndHalfClose(Socket socket, byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.shutdownOutput();
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private CompletableFuture<Void> async(IoAction action) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            action.run();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        executor);
  }

  private <T> CompletableFuture<T> supply(IoSupplier<T> supplier) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return supplier.get();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        executor);
  }
}
