package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fossil.compaction.Compactor;
import io.fossil.server.DevCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paths the StatefulSet's probes and Prometheus annotations name are answered by a real node
 * (one node on {@code mem:}, started in this JVM) the way the kubelet and Prometheus need: liveness
 * at once, readiness once the node holds its lease and the ring, metrics as Prometheus text.
 * RenderedOverlaysTest checks that every overlay keeps the base's probes.
 */
class ProbeEndpointsTest {

  @TempDir static Path data;

  private static DevCluster cluster;
  private static String url;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void startANode() throws Exception {
    cluster =
        DevCluster.start(
            new DevCluster.Options(
                data,
                "127.0.0.1",
                0,
                freePort(),
                1,
                4,
                Duration.ofSeconds(5),
                false,
                "mem:",
                Compactor.Options.DEFAULTS,
                false),
            Duration.ofSeconds(60));
    url = cluster.urls().get(0);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void livenessAndStartupProbesAreAnsweredByARunningNode() throws Exception {
    Container c = container();

    assertThat(get(c.getLivenessProbe().getHttpGet().getPath()).statusCode()).isEqualTo(200);
    assertThat(get(c.getStartupProbe().getHttpGet().getPath()).statusCode()).isEqualTo(200);
  }

  @Test
  void theReadinessProbeTurnsReadyOnceTheNodeServes() {
    String path = container().getReadinessProbe().getHttpGet().getPath();

    await().atMost(Duration.ofSeconds(30)).until(() -> get(path).statusCode() == 200);
  }

  @Test
  void thePrometheusAnnotationsNameTheMetricsEndpoint() throws Exception {
    Map<String, String> annotations =
        statefulSet().getSpec().getTemplate().getMetadata().getAnnotations();

    HttpResponse<String> metrics = get(annotations.get("prometheus.io/path"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(metrics.body()).contains("# TYPE fossil_segments_owned gauge");
  }

  @Test
  void aPathTheNodeDoesNotServeIsNotFound() throws Exception {
    assertThat(get("/health/alive").statusCode()).isEqualTo(404);
  }

  private static StatefulSet statefulSet() {
    return ManifestFilesTest.baseStatefulSet();
  }

  private static Container container() {
    return statefulSet().getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
