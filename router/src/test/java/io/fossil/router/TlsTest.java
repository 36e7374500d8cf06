package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.owner.SegmentAppender;
import io.fossil.security.IssuedCertificate;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * HTTPS by real handshakes: HTTP/2 through ALPN, a client certificate as the principal, a
 * certificate from another CA and plain HTTP refused at the connection, and certificate rotation
 * seen by the next handshake without a restart.
 */
class TlsTest extends SecureApiTestServer {

  @Test
  void servesHttp2ThroughAlpnAndRedirectsToHttps() {
    node.view = FakeNode.view(FakeNode.RING, FakeNode.OTHER);

    Response r = as("alice", "POST", "/streams/orders-1", "application/json", events(null, "a"));

    assertThat(r.raw().version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(307);
    assertThat(r.header("Location")).startsWith("https://other.example:8080/streams/orders-1");
  }

  @Test
  void aClientCertificateFromTheClusterCaIsItsPrincipal() throws Exception {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    HttpClient app = client(context(ca.issueClient("app", Duration.ofDays(1)), ca));

    Response appended =
        call(app, "POST", "/streams/orders-1", "application/json", events(-1L, "a"), Map.of());
    Response forbidden = call(app, "GET", "/streams/invoices-1", null, null, Map.of());

    assertThat(appended.status()).as(appended.raw().body()).isEqualTo(201);
    assertThat(forbidden.problem(403, ProblemType.FORBIDDEN).path("permission").asText())
        .isEqualTo("read on stream invoices-1");
    assertThat(forbidden.json().path("detail").asText()).contains("client:app");
  }

  @Test
  void aClientCertificateFromAnotherCaFailsTheHandshakeAndChangesNothing() throws Exception {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    List<String> before = node.contents();
    HttpClient stranger = client(context(otherCa.issueClient("app", Duration.ofDays(1)), ca, true));

    assertThatThrownBy(
            () ->
                call(
                    stranger,
                    "POST",
                    "/streams/orders-1",
                    "application/json",
                    events(-1L, "a"),
                    Map.of()))
        .isInstanceOf(java.io.UncheckedIOException.class);
    assertThat(node.contents()).isEqualTo(before);
  }

  @Test
  void plainHttpToTheTlsPortGetsNoAnswer() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    List<String> before = node.contents();
    String plain = base.replace("https://", "http://");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(URI.create(plain + "/streams/orders-1"))
                        .timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(events(-1L, "a")))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
    assertThat(node.contents()).isEqualTo(before);
  }

  @Test
  void aRotatedCertificateIsServedToTheNextHandshakeWithoutARestart() throws Exception {
    BigInteger first = servedSerial(trustingClient);
    IssuedCertificate next = serverCertificate("n1");
    // Written as cert-manager does: new files swapped in whole.
    next.write(dir.resolve("next.crt"), dir.resolve("next.key"));
    Files.move(dir.resolve("next.key"), serverKey, StandardCopyOption.REPLACE_EXISTING);
    Files.move(dir.resolve("next.crt"), serverChain, StandardCopyOption.REPLACE_EXISTING);

    // A fresh context each time: no session to resume.
    BigInteger seen =
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> servedSerial(context(null, ca)), serial -> !serial.equals(first));

    assertThat(seen).isEqualTo(next.leaf().getSerialNumber());
  }

  /** The serial number of the certificate the server presents to a new client. */
  private BigInteger servedSerial(SSLContext context) throws Exception {
    HttpResponse<String> r =
        client(context)
            .send(
                HttpRequest.newBuilder(URI.create(base + "/health/live"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    X509Certificate leaf = (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
    return leaf.getSerialNumber();
  }
}
