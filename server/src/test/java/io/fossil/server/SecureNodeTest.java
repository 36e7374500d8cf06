package io.fossil.server;

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
import io.fossil.security.CertificateAuthority;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with TLS material: its placement voter and client speak mutual TLS with its node
 * certificate, and it registers, holds its lease and becomes ready as itself (ADR 27). Its Raft
 * port listens on the host of its own Raft address only.
 */
class SecureNodeTest {

  @TempDir Path dir;
  private KvStore store;
  private HttpRuntime runtime;
  private Node node;

  @AfterEach
  void stop() {
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
  void aNodeWithItsCertificateBecomesReadyOverMutualTls() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.create("test", Duration.ofDays(1), Clock.systemUTC());
    ca.write(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    ca.issueNode(
            "n1",
            List.of("localhost"),
            List.of(InetAddress.getByName("127.0.0.1")),
            Duration.ofDays(1))
        .write(dir.resolve("n1.pem"), dir.resolve("n1.key"));
    Files.writeString(
        dir.resolve("permissions.json"),
        "{\"version\": 1, \"grants\": [{\"principals\": [\"node:*\"], \"admin\": true}]}");
    SecurityOptions tls =
        new SecurityOptions(
            dir.resolve("n1.key"),
            dir.resolve("n1.pem"),
            dir.resolve("ca.pem"),
            dir.resolve("permissions.json"),
            null,
            false);

    store = KvStores.open("mem:secure-" + UUID.randomUUID());
    runtime = HttpRuntime.create();
    int raft = Ports.freeRun(2);
    int http = raft + 1;
    node =
        new Node(
            new NodeConfig(
                "n1",
                HttpApi.Options.defaults("127.0.0.1", http)
                    .withSecurity(tls.http(HttpSecurity.Limits.NONE, Set.of(), Clock.systemUTC())),
                "127.0.0.1:" + http,
                Map.of("n1", "127.0.0.1:" + raft),
                dir.resolve("n1-raft"),
                new PlacementConfig(4, 1, 2_000, 4),
                SegmentAppender.Config.DEFAULT,
                Duration.ofSeconds(60),
                Compactor.Options.DEFAULTS,
                null,
                tls),
            store,
            runtime);
    node.start().get(60, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> node.notReadyReason() == null);

    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", raft), 5_000);
      assertThat(s.isConnected()).isTrue();
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.2", raft), 5_000);
      throw new AssertionError("the Raft port answers on 127.0.0.2 too");
    } catch (java.net.ConnectException expected) {
      // bound to 127.0.0.1 alone
    }
  }

  @Test
  void anAdminListenerTakesAdminAndMetricsOffTheHttpPort() throws Exception {
    store = KvStores.open("mem:admin-" + UUID.randomUUID());
    runtime = HttpRuntime.create();
    int raft = Ports.freeRun(3);
    int http = raft + 1;
    int admin = raft + 2;
    HttpApi.Options options = HttpApi.Options.defaults("127.0.0.1", http);
    node =
        new Node(
            new NodeConfig(
                "n1",
                options,
                "127.0.0.1:" + http,
                Map.of("n1", "127.0.0.1:" + raft),
                dir.resolve("n1-raft"),
                new PlacementConfig(4, 1, 2_000, 4),
                SegmentAppender.Config.DEFAULT,
                Duration.ofSeconds(60),
                Compactor.Options.DEFAULTS,
                null,
                SecurityOptions.INSECURE,
                options.withAddress("127.0.0.1", admin)),
            store,
            runtime);
    node.start().get(60, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> node.notReadyReason() == null);
    assertThat(node.adminPort()).isEqualTo(admin);
    String pub = "http://127.0.0.1:" + http;
    String adm = "http://127.0.0.1:" + admin;

    assertThat(status("POST", pub + "/admin/compaction")).isEqualTo(404);
    assertThat(status("GET", pub + "/metrics")).isEqualTo(404);
    assertThat(status("GET", pub + "/streams/orders-1")).isEqualTo(200);
    assertThat(status("GET", pub + "/cluster")).isEqualTo(200);

    assertThat(status("POST", adm + "/admin/compaction")).isEqualTo(200);
    assertThat(status("GET", adm + "/metrics")).isEqualTo(200);
    assertThat(status("GET", adm + "/health/ready")).isEqualTo(200);
    assertThat(status("GET", adm + "/streams/orders-1")).isEqualTo(404);
  }

  @Test
  void anInsecureNodeSaysSoOnReady() throws Exception {
    anAdminListenerTakesAdminAndMetricsOffTheHttpPort();
    HttpResponse<String> ready =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.httpPort() + "/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"warning\"", "--insecure");
  }

  private static int status(String method, String url) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    b.header("Content-Type", "application/json");
    b.method(
        method,
        method.equals("POST")
            ? HttpRequest.BodyPublishers.ofString("{}")
            : HttpRequest.BodyPublishers.noBody());
    return HttpClient.newHttpClient()
        .send(b.build(), HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
