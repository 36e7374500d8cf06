package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.router.HttpSecurity;
import io.fossil.security.CertificateAuthority;
import io.fossil.security.Principal;
import io.fossil.server.Node;
import io.fossil.server.NodeConfig;
import io.fossil.server.SecurityOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secure overlay's node, for real: a certificate with exactly the names the CSI attributes ask
 * for (pod {@code fossil-0}), the permissions file the ConfigMap holds, and a node started with
 * them in this JVM. The kubelet's probes, HTTPS without a client certificate or a token, get their
 * answers; the same paths over plain HTTP, which a probe without {@code scheme: HTTPS} would use,
 * get none.
 */
class SecureProbeEndpointsTest {

  @TempDir static Path dir;

  private static Rendering rendering;
  private static KvStore store;
  private static HttpRuntime runtime;
  private static Node node;
  private static int http;
  private static HttpClient https;

  @BeforeAll
  static void startTheOverlaysNode() throws Exception {
    rendering = RenderedOverlaysTest.rendered("etcd");
    NodeInPod pod = new NodeInPod(rendering, 0);
    Container container = rendering.node();
    Path key = pod.value("--tls-key");
    CsiCertificate wanted =
        CsiCertificate.of(rendering.volume(Rendering.mountHolding(container, key).getName()));
    String id = pod.addressing.nodeId();
    assertThat(wanted.uriSans(pod.podName, NodeInPod.NAMESPACE))
        .containsExactly(Principal.node(id).uri());

    CertificateAuthority ca =
        CertificateAuthority.create("fossil-ca", Duration.ofDays(1), Clock.systemUTC());
    ca.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
    List<String> names = new ArrayList<>(wanted.dnsNames(pod.podName, NodeInPod.NAMESPACE));
    names.add("localhost");
    ca.issueNode(id, names, List.of(InetAddress.getByName("127.0.0.1")), Duration.ofHours(72))
        .write(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    Path permissions = dir.resolve("permissions.json");
    Files.writeString(permissions, permissionsFile(pod));

    SecurityOptions security =
        new SecurityOptions(
            dir.resolve("tls.key"),
            dir.resolve("tls.crt"),
            dir.resolve("ca.crt"),
            permissions,
            null,
            false);
    store = KvStores.open("mem:secure-probes-" + UUID.randomUUID());
    runtime = HttpRuntime.create();
    int raft = freePort();
    http = freePort();
    node =
        new Node(
            new NodeConfig(
                id,
                HttpApi.Options.defaults("127.0.0.1", http)
                    .withSecurity(
                        security.http(HttpSecurity.Limits.NONE, Set.of(), Clock.systemUTC())),
                "127.0.0.1:" + http,
                Map.of(id, "127.0.0.1:" + raft),
                dir.resolve("raft"),
                new PlacementConfig(4, 1, 2_000, 4),
                SegmentAppender.Config.DEFAULT,
                Duration.ofSeconds(60),
                Compactor.Options.DEFAULTS,
                null,
                security),
            store,
            runtime);
    node.start().get(60, TimeUnit.SECONDS);
    https =
        HttpClient.newBuilder()
            .sslContext(trusting(dir.resolve("ca.crt")))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
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
  void theProbesGetAnswersOverHttpsWithoutCredentials() {
    Container c = rendering.node();

    for (Probe probe : List.of(c.getStartupProbe(), c.getLivenessProbe())) {
      assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> get(https, "https", probe.getHttpGet().getPath()).statusCode() == 200);
    }
    Probe ready = c.getReadinessProbe();
    assertThat(ready.getHttpGet().getScheme()).isEqualTo("HTTPS");
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> get(https, "https", ready.getHttpGet().getPath()).statusCode() == 200);
  }

  @Test
  void plainHttpToTheSamePortGetsNoAnswer() {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String path = rendering.node().getLivenessProbe().getHttpGet().getPath();

    assertThatThrownBy(() -> get(plain, "http", path)).isInstanceOf(IOException.class);
  }

  @Test
  void everythingButTheHealthRoutesNeedsCredentials() throws Exception {
    assertThat(get(https, "https", "/streams/orders-1").statusCode()).isEqualTo(401);
  }

  /** The permissions.json of the overlay's ConfigMap, where FOSSIL_PERMISSIONS points. */
  private static String permissionsFile(NodeInPod pod) {
    Path file = pod.value("--permissions");
    VolumeMount mount = Rendering.mountHolding(rendering.node(), file);
    ConfigMap map = rendering.configMap(rendering.volume(mount.getName()).getConfigMap().getName());
    return map.getData().get(Path.of(mount.getMountPath()).relativize(file).toString());
  }

  private static HttpResponse<String> get(HttpClient client, String scheme, String path)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + http + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
