package io.fossil.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client credentials from PEM files and tokens, with real handshakes against a JDK server. */
class ClientCredentialsTest {

  private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

  @TempDir Path dir;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private CertificateAuthority ca;
  private TlsMaterial server;

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("test", Duration.ofDays(30), CertificateAuthorityTest.CLOCK);
    ca.write(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    ca.issueNode("n1", List.of(), List.of(InetAddress.getByName("127.0.0.1")), Duration.ofDays(1))
        .write(dir.resolve("n1.pem"), dir.resolve("n1.key"));
    server = TlsMaterial.load(dir.resolve("n1.key"), dir.resolve("n1.pem"), dir.resolve("ca.pem"));
  }

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
  }

  @Test
  void trustsTheCaFileAndPresentsTheClientCertificate() throws Exception {
    ca.issueClient("app", Duration.ofDays(1)).write(dir.resolve("app.pem"), dir.resolve("app.key"));
    ClientCredentials credentials =
        ClientCredentials.load(
            dir.resolve("ca.pem"), dir.resolve("app.pem"), dir.resolve("app.key"), null, n -> null);

    assertThat(handshake(credentials.sslContext())).contains(Principal.client("app"));
    assertThat(credentials.keyManager()).isPresent();
    assertThat(credentials.authorization()).isEmpty();
  }

  @Test
  void withoutACertificateTheHandshakeStillWorksWhenTheServerOnlyAsks() throws Exception {
    ClientCredentials credentials =
        ClientCredentials.load(dir.resolve("ca.pem"), null, null, null, n -> null);
    assertThat(handshake(credentials.sslContext())).isEmpty();
    assertThat(credentials.keyManager()).isEmpty();
  }

  @Test
  void anotherCaIsRefusedAndTheJdkDefaultTrustDoesNotKnowOurs() throws Exception {
    CertificateAuthority other =
        CertificateAuthority.create("other", Duration.ofDays(30), CertificateAuthorityTest.CLOCK);
    other.write(dir.resolve("other.pem"), dir.resolve("other.key"));
    ClientCredentials wrong =
        ClientCredentials.load(dir.resolve("other.pem"), null, null, null, n -> null);
    assertThatThrownBy(() -> handshake(wrong.sslContext()))
        .isInstanceOf(SSLHandshakeException.class);
    assertThatThrownBy(() -> handshake(ClientCredentials.none().sslContext()))
        .isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void theTokenFileWinsOverTheEnvironmentAndWhiteSpaceAroundItIsDropped() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "  " + TOKEN + "\n");
    Map<String, String> env = Map.of(ClientCredentials.TOKEN_ENVIRONMENT, "from-env");

    assertThat(ClientCredentials.load(null, null, null, file, env::get).authorization())
        .contains("Bearer " + TOKEN);
    assertThat(ClientCredentials.load(null, null, null, null, env::get).authorization())
        .contains("Bearer from-env");
    assertThat(ClientCredentials.load(null, null, null, null, n -> null).hasToken()).isFalse();
    assertThat(ClientCredentials.load(null, null, null, null, n -> " ").hasToken()).isFalse();
  }

  @Test
  void theTokenNeverShowsInTextAndABadOneIsRefusedWithoutQuotingIt() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, TOKEN);
    ClientCredentials credentials = ClientCredentials.load(null, null, null, file, n -> null);
    assertThat(credentials.toString()).contains(file.toString()).doesNotContain(TOKEN);

    Files.writeString(file, TOKEN + "\nX-Injected: " + TOKEN);
    assertThatThrownBy(() -> ClientCredentials.load(null, null, null, file, n -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageNotContaining(TOKEN);
    Files.writeString(file, "\n");
    assertThatThrownBy(() -> ClientCredentials.load(null, null, null, file, n -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is empty");
  }

  @Test
  void aCertificateNeedsItsOwnKey() throws Exception {
    ca.issueClient("app", Duration.ofDays(1)).write(dir.resolve("app.pem"), dir.resolve("app.key"));
    ca.issueClient("bob", Duration.ofDays(1)).write(dir.resolve("bob.pem"), dir.resolve("bob.key"));
    assertThatThrownBy(
            () -> ClientCredentials.load(null, dir.resolve("app.pem"), null, null, n -> null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                ClientCredentials.load(
                    null, dir.resolve("app.pem"), dir.resolve("bob.key"), null, n -> null))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("is not the key of");
  }

  /**
   * One connection to a server that asks for (not requires) a client certificate; the client checks
   * the server's name against 127.0.0.1. Returns the client's principal the server saw.
   */
  private Optional<Principal> handshake(SSLContext client) throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server.newSslContext().getServerSocketFactory().createServerSocket(0, 1, loopback)) {
      listener.setWantClientAuth(true);
      listener.setSoTimeout(10_000);
      Future<Optional<Principal>> accepted =
          executor.submit(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.setSoTimeout(10_000);
                  s.startHandshake();
                  s.getOutputStream().write(1);
                  s.getOutputStream().flush();
                  try {
                    return Principal.fromCertificates(s.getSession().getPeerCertificates());
                  } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                    return Optional.<Principal>empty();
                  }
                }
              });
      try (SSLSocket s =
          (SSLSocket)
              client.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        assertThat(s.getInputStream().read()).isEqualTo(1);
      }
      return accepted.get(10, TimeUnit.SECONDS);
    }
  }
}
