package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.router.HttpSecurity;
import io.fossil.security.CertificateAuthority;
import io.fossil.security.TokenIssuer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client subcommands against a real node serving HTTPS with tokens and client certificates,
 * with the credentials {@code fossil dev --secure} writes ({@link DevSecurity}): what works, and
 * what a person sees when it does not.
 */
class SecureClientCommandsTest {

  /** admin may do everything; reader only read; the client certificate app read and append. */
  private static final String PERMISSIONS =
      """
      {"version": 1, "grants": [
        {"principals": ["token:admin"], "read": ["*"], "append": ["*"], "consume": ["*"],
         "admin": true, "metrics": true},
        {"principals": ["token:reader"], "read": ["*"]},
        {"principals": ["client:app"], "read": ["*"], "append": ["*"]},
        {"principals": ["node:*"], "admin": true}
      ]}
      """;

  @TempDir static Path dir;
  private static DevSecurity secure;
  private static KvStore store;
  private static HttpRuntime runtime;
  private static Node node;
  private static String url;
  private static String readerToken;

  @BeforeAll
  static void startSecureNode() throws Exception {
    secure = DevSecurity.prepare(dir, 1, List.of(), Clock.systemUTC());
    DevSecurity.NodeFiles n1 = secure.node("n1");
    Path permissions = dir.resolve("cli-permissions.json");
    Files.writeString(permissions, PERMISSIONS);
    SecurityOptions security =
        new SecurityOptions(
            n1.key(), n1.certificate(), n1.ca(), permissions, secure.tokenConfig(), false);
    store = KvStores.open("mem:secure-cli-" + UUID.randomUUID());
    runtime = HttpRuntime.create();
    int raft = Ports.freeRun(2);
    int http = raft + 1;
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
    readerToken =
        TokenIssuer.load(secure.directory().resolve("token-key.jwk"), Clock.systemUTC())
            .issue(
                DevSecurity.ISSUER,
                DevSecurity.AUDIENCE,
                "reader",
                Duration.ofMinutes(5),
                Map.of());
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
  void appendReadAndClusterOverHttpsWithTheTokenFileOrTheEnvironment() throws Exception {
    String stream = "cli-" + UUID.randomUUID();
    String ca = "--ca=" + secure.caCertificate();
    String token = "--token-file=" + secure.adminToken();

    Result appended =
        run(
            new ClientCommands.Append(),
            n -> null,
            "--url=" + url,
            ca,
            token,
            stream,
            "Made",
            "{\"a\":1}");
    assertThat(appended.exit()).as(appended.err()).isZero();
    assertThat(appended.out()).contains("\"position\":0");

    String adminToken = Files.readString(secure.adminToken()).strip();
    Function<String, String> env = Map.of("FOSSIL_TOKEN", adminToken)::get;
    Result read = run(new ClientCommands.Read(), env, "--url=" + url, ca, stream);
    assertThat(read.exit()).as(read.err()).isZero();
    assertThat(read.out()).contains("\"type\":\"Made\"");

    Result cluster = run(new ClientCommands.Cluster(), n -> null, "--url=" + url, ca, token);
    assertThat(cluster.exit()).as(cluster.err()).isZero();
    assertThat(cluster.out()).contains("n1");
  }

  @Test
  void votersShowsTheGroupAndARefusedChangeIsOneProblemLine() {
    String ca = "--ca=" + secure.caCertificate();
    String token = "--token-file=" + secure.adminToken();
    Result list = run(new VotersCommand(), n -> null, "--url=" + url, ca, token);
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out())
        .contains("leader n1")
        .containsPattern("(?m)^n1 +127\\.0\\.0\\.1:\\d+ +leader +\\d+ +0 ms +yes$");

    Result unknown = run(new VotersCommand.Remove(), n -> null, "--url=" + url, ca, token, "n9");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err())
        .startsWith("HTTP 404: ")
        .contains("n9 is not a voter")
        .contains("urn:fossil:problem:unknown-voter");

    Result unchanged = run(new VotersCommand.Add(), n -> null, "--url=" + url, ca, token, "n1");
    assertThat(unchanged.exit()).isEqualTo(1);
    assertThat(unchanged.err()).startsWith("HTTP 409: ").contains("voters-unchanged");

    Result reader =
        run(new VotersCommand(), Map.of("FOSSIL_TOKEN", readerToken)::get, "--url=" + url, ca);
    assertThat(reader.exit()).isEqualTo(1);
    assertThat(reader.err()).startsWith("HTTP 403: ").contains("admin");
  }

  @Test
  void withoutATokenItIsA401ThatSaysHowToSendOne() {
    Result r =
        run(
            new ClientCommands.Read(),
            n -> null,
            "--url=" + url,
            "--ca=" + secure.caCertificate(),
            "s-1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("HTTP 401: ")
        .contains("unauthenticated")
        .contains("--token-file")
        .doesNotContain("\tat ");
  }

  @Test
  void aTokenWithoutThePermissionIsA403AndTheTokenIsNeverPrinted() {
    Result r =
        run(
            new ClientCommands.Append(),
            Map.of("FOSSIL_TOKEN", readerToken)::get,
            "--url=" + url,
            "--ca=" + secure.caCertificate(),
            "cli-" + UUID.randomUUID(),
            "Made");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("HTTP 403: ").contains("append").doesNotContain(readerToken);
    assertThat(r.out()).doesNotContain(readerToken);
  }

  @Test
  void aClientCertificateFromTheClustersCaIsEnoughWithoutAToken() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.load(
            secure.caCertificate(), secure.directory().resolve("ca.key"), Clock.systemUTC());
    ca.issueClient("app", Duration.ofHours(1))
        .write(dir.resolve("app.pem"), dir.resolve("app.key"));
    Result r =
        run(
            new ClientCommands.Append(),
            n -> null,
            "--url=" + url,
            "--ca=" + secure.caCertificate(),
            "--cert=" + dir.resolve("app.pem"),
            "--key=" + dir.resolve("app.key"),
            "cli-" + UUID.randomUUID(),
            "Made");
    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void anotherCaOrNoneOrPlainHttpIsOneClearLineAboutTls() throws Exception {
    CertificateAuthority other =
        CertificateAuthority.create("other", Duration.ofDays(1), Clock.systemUTC());
    other.write(dir.resolve("other.pem"), dir.resolve("other.key"));

    String wrong = fossil("read", "--url=" + url, "--ca=" + dir.resolve("other.pem"), "s-1");
    assertThat(wrong)
        .startsWith("fossil read: TLS handshake with 127.0.0.1:")
        .contains("not signed by a CA this client trusts")
        .contains("other.pem")
        .doesNotContain("\n");

    String none = fossil("read", "--url=" + url, "s-1");
    assertThat(none).contains("TLS handshake").contains("--ca FILE").doesNotContain("\n");

    String plain =
        fossil(
            "read",
            "--url=" + url.replace("https:", "http:"),
            "--ca=" + dir.resolve("other.pem"),
            "s-1");
    assertThat(plain).contains("does it serve https?").doesNotContain("\n");
  }

  @Test
  void theTokenFollowsARedirectToAnotherPort() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer owner = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    owner.createContext(
        "/",
        exchange -> {
          seen.add(exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] body = "{\"events\":[]}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    other.createContext(
        "/",
        exchange -> {
          exchange
              .getResponseHeaders()
              .add(
                  "Location",
                  "http://127.0.0.1:" + owner.getAddress().getPort() + exchange.getRequestURI());
          exchange.sendResponseHeaders(307, -1);
          exchange.close();
        });
    owner.start();
    other.start();
    try {
      Result r =
          run(
              new ClientCommands.Read(),
              Map.of("FOSSIL_TOKEN", "abc.def.ghi")::get,
              "--url=http://127.0.0.1:" + other.getAddress().getPort(),
              "s-1");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(seen).containsExactly("Bearer abc.def.ghi");
    } finally {
      owner.stop(0);
      other.stop(0);
    }
  }

  record Result(int exit, String out, String err) {}

  /** Runs a client command with {@code environment}; returns its exit code and what it printed. */
  private static Result run(
      ClientCommands.Base command, Function<String, String> environment, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    command.environment = environment;
    int exit = new CommandLine(command).execute(args);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs {@code fossil args} as the launcher does; asserts exit code 1; returns its error line. */
  private static String fossil(String... args) {
    CommandLine cli = Fossil.commandLine(null, name -> null);
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute(args)).isEqualTo(1);
    return err.toString().strip();
  }
}
