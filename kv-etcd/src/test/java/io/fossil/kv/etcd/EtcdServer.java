package io.fossil.kv.etcd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-member etcd for one test class: {@code @RegisterExtension static final EtcdServer
 * ETCD = new EtcdServer();}. Finds the {@code etcd} binary (system property or environment variable
 * {@code ETCD_BINARY}, then PATH, then /usr/bin and /usr/local/bin), starts it on free loopback
 * ports with a temporary data directory, waits for {@code /health} with a bound, and stops its own
 * process afterwards (and on JVM exit). Without a binary the class is skipped, unless {@code
 * FOSSIL_REQUIRE_ETCD=true} (for CI), which turns the skip into a failure.
 */
public final class EtcdServer implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

  static final String MISSING =
      "etcd not found on PATH; install it with apt-get install etcd-server";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final List<String> extraFlags;
  private Process process;
  private Path dataDir;
  private int clientPort;
  private Thread reaper;

  /** A server with etcd's defaults, plus {@code extraFlags} (e.g. "--quota-backend-bytes=..."). */
  public EtcdServer(String... extraFlags) {
    this.extraFlags = List.of(extraFlags);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Optional<Path> binary = findBinary();
    if (binary.isEmpty()) {
      if ("true".equalsIgnoreCase(setting("FOSSIL_REQUIRE_ETCD"))) {
        throw new IllegalStateException(MISSING + " (FOSSIL_REQUIRE_ETCD=true)");
      }
      return; // each test is skipped in beforeEach, where build tools report the reason
    }
    start(binary.get());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Assumptions.assumeTrue(process != null, MISSING);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  /** A store URI for this server under {@code namespace}, with extra {@code options}. */
  public String uri(String namespace, String options) {
    return "etcd://127.0.0.1:"
        + clientPort
        + "/"
        + URLEncoder.encode(namespace, StandardCharsets.UTF_8)
        + (options.isEmpty() ? "" : "?" + options);
  }

  int clientPort() {
    return clientPort;
  }

  /** Freezes the server (SIGSTOP): it keeps its sockets but answers nothing. */
  void suspend() {
    signal("STOP");
  }

  /** Lets a frozen server run again (SIGCONT). */
  void resume() {
    signal("CONT");
  }

  /** Locates the etcd binary, or empty. */
  static Optional<Path> findBinary() {
    String configured = setting("ETCD_BINARY");
    if (configured != null && !configured.isBlank()) {
      if (!Files.isExecutable(Path.of(configured))) {
        throw new IllegalStateException("ETCD_BINARY=" + configured + " is not an executable file");
      }
      return Optional.of(Path.of(configured));
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Stream.concat(
            Stream.of(path.split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "etcd")),
            Stream.of(Path.of("/usr/bin/etcd"), Path.of("/usr/local/bin/etcd")))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** A loopback port nobody listens on right now. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void start(Path binary) throws IOException {
    dataDir = Files.createTempDirectory("fossil-etcd-");
    clientPort = freePort();
    int peerPort = freePort();
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    Path log = dataDir.resolve("etcd.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--name=fossil-test",
                "--data-dir=" + dataDir.resolve("data"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=fossil-test=" + peer,
                "--initial-cluster-state=new",
                "--logger=zap",
                "--log-level=warn"));
    command.addAll(extraFlags);
    process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Process started = process;
    reaper = new Thread(() -> kill(started), "etcd-reaper-" + started.pid());
    Runtime.getRuntime().addShutdownHook(reaper);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create(client + "/health"))
            .timeout(Duration.ofSeconds(2))
            .build();
    try {
      await("etcd on port " + clientPort + " to report healthy")
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .ignoreException(IOException.class)
          .until(
              () -> {
                if (!started.isAlive()) {
                  throw new IllegalStateException(
                      "etcd exited with " + started.exitValue() + ":\n" + Files.readString(log));
                }
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && r.body().contains("\"health\":\"true\"");
              });
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  private void signal(String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void stop() {
    if (process == null) {
      return;
    }
    kill(process);
    process = null;
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or will; it only kills a process that is already gone.
    }
    deleteRecursively(dataDir);
  }

  private static void kill(Process p) {
    if (!p.isAlive()) {
      return;
    }
    // SIGTERM is held while a process is stopped; SIGKILL is not, but try a clean stop first.
    try {
      new ProcessBuilder("kill", "-CONT", Long.toString(p.pid()))
          .start()
          .waitFor(5, TimeUnit.SECONDS);
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      p.destroyForcibly();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String setting(String name) {
    String value = System.getProperty(name);
    return value != null ? value : System.getenv(name);
  }
}
