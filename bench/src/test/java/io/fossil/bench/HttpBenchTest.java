package io.fossil.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.router.HttpSecurity;
import io.fossil.server.DevSecurity;
import io.fossil.server.Node;
import io.fossil.server.NodeConfig;
import io.fossil.server.SecurityOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Short runs of {@code bench http} against a real node serving HTTPS with tokens, with the
 * credentials {@code fossil dev --secure} writes: the client's TLS, token and HTTP/2 work and the
 * table still reports the server's CPU per event. Not a measurement.
 */
class HttpBenchTest {

  @TempDir static Path dir;
  private static DevSecurity secure;
  private static KvStore store;
  private static HttpRuntime runtime;
  private static Node node;
  private static String url;

  @BeforeAll
  static void startSecureNode() throws Exception {
    secure = DevSecurity.prepare(dir, 1, List.of(), Clock.systemUTC());
    DevSecurity.NodeFiles n1 = secure.node("n1");
    SecurityOptions security =
        new SecurityOptions(
            n1.key(), n1.certificate(), n1.ca(), secure.permissions(), secure.tokenConfig(), false);
    store = KvStores.open("mem:bench-" + UUID.randomUUID());
    runtime = HttpRuntime.create();
    int raft = freePort();
    int http = freePort();
    node =
        new Node(
            new NodeConfig(
                "n1",
                HttpApi.Options.defaults("127.0.0.1", http)
                    .withSecurity(
                        security.http(HttpSecurity.Limits.NONE, Set.of(), Clock.systemUTC())),
                "127.0.0.1:" + http,
                Map.of("n1", "127.0.0.1:" + raft),
                dir.resolve("n1-raft"),
                new PlacementConfig(4, 1, 2_000, 4),
                SegmentAppender.Config.DEFAULT,
                Duration.ofSeconds(60),
                Compactor.Options.DEFAULTS,
                null,
                security),
            store,
            runtime);
    node.start().get(60, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> node.notReadyReason() == null);
    url = "https://127.0.0.1:" + http;
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aShortRunOverHttpsWithTheTokenFileAppendsWithoutErrorsAndReportsServerCpu() {
    String printed = bench(name -> null, "--token-file=" + secure.adminToken());
    assertThat(printed).contains("(HTTP/1.1 over TLS, bearer token)");
    List<String> row = closedRow(printed);
    assertThat(row.get(6)).as(printed).isEqualTo("0");
    assertThat(Double.parseDouble(row.get(2).replace(",", ""))).as(printed).isPositive();
    assertThat(row.get(8)).as("server CPU µs/event").matches("\\d+");
  }

  @Test
  void http2ThroughAlpnWithTheTokenFromTheEnvironment() throws IOException {
    String token = java.nio.file.Files.readString(secure.adminToken()).strip();
    String printed = bench(Map.of("FOSSIL_TOKEN", token)::get, "--http2");
    assertThat(printed).contains("(HTTP/2 over TLS, bearer token)").doesNotContain(token);
    assertThat(closedRow(printed).get(6)).as(printed).isEqualTo("0");
  }

  @Test
  void withoutATokenEveryAppendIsCountedAs401() {
    String printed = bench(name -> null);
    assertThat(printed).contains("no token");
    assertThat(closedRow(printed).get(6)).as(printed).contains("401=").doesNotStartWith("0");
  }

  /** Runs a one-second closed-loop cell at 4 in flight; returns what it printed. */
  private static String bench(Function<String, String> environment, String... extra) {
    HttpBench bench = new HttpBench();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    bench.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    bench.environment = environment;
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--url=" + url,
                "--ca=" + secure.caCertificate(),
                "--concurrency=4",
                "--streams=20",
                "--categories=2",
                "--warmup=0",
                "--seconds=1",
                "--server-pid=" + ProcessHandle.current().pid()));
    args.addAll(Arrays.asList(extra));
    assertThat(new CommandLine(bench).execute(args.toArray(new String[0]))).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The cells of the table's closed-loop row, trimmed, without the empty ends. */
  private static List<String> closedRow(String printed) {
    String line = printed.lines().filter(l -> l.startsWith("| closed |")).findFirst().orElseThrow();
    String[] cells = line.split("\\|");
    return Arrays.stream(cells, 1, cells.length).map(String::strip).toList();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
