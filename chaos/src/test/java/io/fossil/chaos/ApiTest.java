package io.fossil.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fossil.security.Action;
import io.fossil.security.Authorizer;
import io.fossil.security.Principal;
import io.fossil.security.TlsMaterial;
import io.fossil.security.TokenVerifier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's credentials and client over real HTTPS on loopback: a node certificate from {@link
 * ClusterCredentials} serves, {@link Api} trusts only that CA, sends the token, and carries it
 * across a 307 to another port itself; the token verifies as the nodes verify it and the
 * permissions file grants it what the workload and the nemeses do.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiTest {

  @TempDir Path dir;

  private final List<HttpServer> servers = new ArrayList<>();
  private final Map<String, String> seen = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  @Test
  void followsARedirectToAnotherPortWithTheToken() throws Exception {
    ClusterCredentials credentials =
        ClusterCredentials.create(
            dir.resolve("secure"), List.of("n1", "n2"), List.of("127.0.0.1", "127.0.0.1"));
    int owner =
        serve(
            https(credentials, "n2"),
            x -> {
              seen.put(
                  "authorization", String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
              seen.put(
                  "body", new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
              seen.put("query", x.getRequestURI().getQuery());
              answer(x, 201, "{\"position\":0}");
            });
    int other =
        serve(
            https(credentials, "n1"),
            x -> {
              x.getResponseHeaders()
                  .add("Location", "https://127.0.0.1:" + owner + "/streams/s?hop=1");
              answer(x, 307, "{}");
            });
    Api api = new Api(Duration.ofSeconds(10), credentials.client());

    Api.Response r = api.post("https://127.0.0.1:" + other + "/streams/s", "{\"events\":[]}");

    assertThat(r.status()).isEqualTo(201);
    assertThat(r.body()).isEqualTo("{\"position\":0}");
    assertThat(seen.get("body")).isEqualTo("{\"events\":[]}");
    assertThat(seen.get("query")).isEqualTo("hop=1");
    String token = Files.readString(dir.resolve("secure/chaos.token")).strip();
    assertThat(seen.get("authorization")).isEqualTo("Bearer " + token);
  }

  @Test
  void refusesARedirectToPlainHttpAndNeverSendsTheTokenThere() throws Exception {
    ClusterCredentials credentials =
        ClusterCredentials.create(dir.resolve("secure"), List.of("n1"), List.of("127.0.0.1"));
    int plain =
        serve(
            HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0),
            x -> {
              seen.put("plain", String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
              answer(x, 200, "{}");
            });
    int secure =
        serve(
            https(credentials, "n1"),
            x -> {
              x.getResponseHeaders().add("Location", "http://127.0.0.1:" + plain + "/streams/s");
              answer(x, 307, "{}");
            });
    Api api = new Api(Duration.ofSeconds(10), credentials.client());

    assertThatThrownBy(() -> api.post("https://127.0.0.1:" + secure + "/streams/s", "{}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("refused a redirect from https to http");
    assertThat(api.get("http://127.0.0.1:" + plain + "/health").status()).isEqualTo(200);
    assertThat(seen.get("plain")).isEqualTo("null"); // no Authorization header over plain HTTP
  }

  @Test
  void trustsOnlyItsOwnCa() throws Exception {
    ClusterCredentials mine =
        ClusterCredentials.create(dir.resolve("mine"), List.of("n1"), List.of("127.0.0.1"));
    ClusterCredentials theirs =
        ClusterCredentials.create(dir.resolve("theirs"), List.of("n1"), List.of("127.0.0.1"));
    int port = serve(https(theirs, "n1"), x -> answer(x, 200, "{}"));
    Api api = new Api(Duration.ofSeconds(10), mine.client());

    assertThatThrownBy(() -> api.get("https://127.0.0.1:" + port + "/cluster"))
        .isInstanceOf(IOException.class);
  }

  @Test
  void theTokenVerifiesAsTheNodesVerifyItAndHoldsWhatTheSuiteNeeds() throws Exception {
    ClusterCredentials credentials =
        ClusterCredentials.create(
            dir.resolve("secure"), List.of("n1", "n2", "n3"), List.of("10.0.0.1", "a", "b"));
    Path secure = dir.resolve("secure");
    List<String> flags = credentials.nodeFlags("n2");
    assertThat(flags)
        .contains(
            "--tls-key=" + secure.resolve("n2/tls.key"),
            "--tls-cert=" + secure.resolve("n2/tls.crt"),
            "--tls-ca=" + secure.resolve("ca.pem"),
            "--permissions=" + secure.resolve("permissions.json"),
            "--token-issuer=" + ClusterCredentials.ISSUER,
            "--token-audience=" + ClusterCredentials.AUDIENCE);
    TokenVerifier verifier =
        new TokenVerifier(
            TokenVerifier.Config.of(
                ClusterCredentials.ISSUER,
                ClusterCredentials.AUDIENCE,
                Set.of("RS256"),
                secure.resolve("jwks.json").toUri()),
            Clock.systemUTC());
    Principal principal =
        verifier.verify(Files.readString(secure.resolve("chaos.token")).strip()).principal();
    assertThat(principal).isEqualTo(Principal.token(ClusterCredentials.SUBJECT));
    Authorizer authorizer = Authorizer.load(secure.resolve("permissions.json"));
    for (Action action : Action.values()) {
      assertThat(authorizer.check(principal, action, "any-stream").allowed())
          .as(action.word())
          .isTrue();
    }
    assertThat(authorizer.check(Principal.node("n1"), Action.ADMIN, null).allowed()).isTrue();
    assertThat(authorizer.check(Principal.node("n1"), Action.READ, "s").allowed()).isFalse();
    assertThat(
            TlsMaterial.load(
                    secure.resolve("n1/tls.key"),
                    secure.resolve("n1/tls.crt"),
                    secure.resolve("ca.pem"))
                .certificate()
                .getSubjectAlternativeNames())
        .extracting(san -> san.get(1).toString())
        .contains("10.0.0.1", "127.0.0.1", "localhost", "urn:fossil:node:n1");
  }

  private static HttpsServer https(ClusterCredentials credentials, String node) throws Exception {
    Path secure = credentials.directory();
    TlsMaterial tls =
        TlsMaterial.load(
            secure.resolve(node + "/tls.key"),
            secure.resolve(node + "/tls.crt"),
            secure.resolve("ca.pem"));
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls.newSslContext()));
    return server;
  }

  private int serve(HttpServer server, Handler handler) {
    server.createContext(
        "/",
        x -> {
          try (x) {
            handler.handle(x);
          }
        });
    server.start();
    servers.add(server);
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("content-type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
  }

  private interface Handler {
    void handle(HttpExchange x) throws IOException;
  }
}
