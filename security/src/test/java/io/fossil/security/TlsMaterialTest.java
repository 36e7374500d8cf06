package io.fossil.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
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

/** Real TLS handshakes on loopback between JDK sockets over {@link TlsMaterial}. */
class TlsMaterialTest {

  @TempDir Path dir;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private CertificateAuthority ca;
  private InetAddress loopback;

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("test", Duration.ofDays(365), CertificateAuthorityTest.CLOCK);
    loopback = InetAddress.getByName("127.0.0.1");
  }

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
  }

  @Test
  void rotatedFilesArePresentedInTheNextHandshakeWithoutNewManagers() throws Exception {
    TlsMaterial server =
        material(
            "server", ca, ca.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(1)));
    TlsMaterial client = material("client", ca, ca.issueClient("app", Duration.ofDays(1)));
    var keyManager = server.keyManager();
    var trustManager = server.trustManager();
    BigInteger first = server.certificate().getSerialNumber();

    Handshake one = handshake(server, client);
    assertThat(one.serverSerial()).isEqualTo(first);
    assertThat(one.clientPrincipal()).contains(Principal.client("app"));
    assertThat(server.reloadIfChanged()).isEqualTo(Reload.UNCHANGED);

    IssuedCertificate rotated =
        ca.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(2));
    rotated.write(dir.resolve("server.crt"), dir.resolve("server.key"));
    assertThat(server.reloadIfChanged()).isEqualTo(Reload.APPLIED);

    Handshake two = handshake(server, client);
    assertThat(two.serverSerial()).isEqualTo(rotated.leaf().getSerialNumber()).isNotEqualTo(first);
    assertThat(server.keyManager()).isSameAs(keyManager);
    assertThat(server.trustManager()).isSameAs(trustManager);
  }

  @Test
  void aClientCertificateFromAnotherCaIsRefusedInTheHandshake() throws Exception {
    CertificateAuthority other =
        CertificateAuthority.create("other", Duration.ofDays(365), CertificateAuthorityTest.CLOCK);
    TlsMaterial server =
        material(
            "server", ca, ca.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(1)));
    TlsMaterial stranger = material("stranger", ca, other.issueClient("app", Duration.ofDays(1)));

    assertThatThrownBy(() -> handshake(server, stranger))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void aServerCertificateFromAnotherCaIsRefusedByTheClient() throws Exception {
    CertificateAuthority other =
        CertificateAuthority.create("other", Duration.ofDays(365), CertificateAuthorityTest.CLOCK);
    TlsMaterial impostor =
        material(
            "impostor",
            other,
            other.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(1)));
    TlsMaterial client = material("client", ca, ca.issueClient("app", Duration.ofDays(1)));

    assertThatThrownBy(() -> handshake(impostor, client)).isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void hostnameVerificationStillRuns() throws Exception {
    // The certificate is valid and from the right CA, but not for 127.0.0.1.
    TlsMaterial server =
        material(
            "server",
            ca,
            ca.issueNode("n1", List.of("elsewhere.example"), List.of(), Duration.ofDays(1)));
    TlsMaterial client = material("client", ca, ca.issueClient("app", Duration.ofDays(1)));

    assertThatThrownBy(() -> handshake(server, client))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("127.0.0.1");
  }

  @Test
  void aHalfWrittenRotationIsRefusedAndTheOldMaterialStays() throws Exception {
    TlsMaterial server =
        material(
            "server", ca, ca.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(1)));
    TlsMaterial client = material("client", ca, ca.issueClient("app", Duration.ofDays(1)));
    BigInteger first = server.certificate().getSerialNumber();

    // The new certificate arrived, its key not yet.
    IssuedCertificate rotated =
        ca.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(2));
    PemFiles.writeCertificates(dir.resolve("server.crt"), rotated.chain());
    Reload refused = server.reloadIfChanged();
    assertThat(refused).isInstanceOf(Reload.Failed.class);
    assertThat(((Reload.Failed) refused).reason()).contains("is not the key of");
    assertThat(server.reloadIfChanged()).isEqualTo(Reload.UNCHANGED);
    assertThat(handshake(server, client).serverSerial()).isEqualTo(first);

    PemFiles.writePrivateKey(dir.resolve("server.key"), rotated.privateKey());
    assertThat(server.reloadIfChanged()).isEqualTo(Reload.APPLIED);
    assertThat(handshake(server, client).serverSerial())
        .isEqualTo(rotated.leaf().getSerialNumber());
  }

  @Test
  void followsASymlinkSwapLikeKubernetes() throws Exception {
    Path v1 = Files.createDirectories(dir.resolve("..v1"));
    Path v2 = Files.createDirectories(dir.resolve("..v2"));
    ca.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(1))
        .write(v1.resolve("tls.crt"), v1.resolve("tls.key"));
    IssuedCertificate next = ca.issueNode("n1", List.of(), List.of(loopback), Duration.ofDays(2));
    next.write(v2.resolve("tls.crt"), v2.resolve("tls.key"));
    PemFiles.writeCertificates(v1.resolve("ca.crt"), List.of(ca.certificate()));
    PemFiles.writeCertificates(v2.resolve("ca.crt"), List.of(ca.certificate()));
    Path data = dir.resolve("..data");
    Files.createSymbolicLink(data, v1.getFileName());
    for (String f : List.of("tls.crt", "tls.key", "ca.crt")) {
      Files.createSymbolicLink(dir.resolve(f), Path.of("..data", f));
    }
    TlsMaterial m =
        TlsMaterial.load(dir.resolve("tls.key"), dir.resolve("tls.crt"), dir.resolve("ca.crt"));

    Path tmp = dir.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, v2.getFileName());
    Files.move(
        tmp,
        data,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThat(m.reloadIfChanged()).isEqualTo(Reload.APPLIED);
    assertThat(m.certificate()).isEqualTo(next.leaf());
  }

  private TlsMaterial material(String name, CertificateAuthority trusted, IssuedCertificate own)
      throws Exception {
    own.write(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    PemFiles.writeCertificates(dir.resolve(name + "-ca.pem"), List.of(trusted.certificate()));
    return TlsMaterial.load(
        dir.resolve(name + ".key"), dir.resolve(name + ".crt"), dir.resolve(name + "-ca.pem"));
  }

  record Handshake(BigInteger serverSerial, Optional<Principal> clientPrincipal) {}

  /**
   * One connection: the server requires a client certificate; the client verifies the server's name
   * (HTTPS rules) against 127.0.0.1. Each side uses a fresh SSLContext, so no session is resumed.
   * Throws what the client saw, or an ExecutionException with what the server saw.
   */
  private Handshake handshake(TlsMaterial server, TlsMaterial client) throws Exception {
    SSLContext serverContext = server.newSslContext();
    try (SSLServerSocket listener =
        (SSLServerSocket)
            serverContext.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
      listener.setNeedClientAuth(true);
      listener.setSoTimeout(10_000);
      Future<Optional<Principal>> accepted =
          executor.submit(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.setSoTimeout(10_000);
                  s.startHandshake();
                  Optional<Principal> who =
                      Principal.fromCertificates(s.getSession().getPeerCertificates());
                  s.getOutputStream().write(1);
                  s.getOutputStream().flush();
                  return who;
                }
              });
      BigInteger serial;
      try (SSLSocket s =
          (SSLSocket)
              client
                  .newSslContext()
                  .getSocketFactory()
                  .createSocket("127.0.0.1", listener.getLocalPort())) {
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        try {
          s.startHandshake();
          serial = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
          if (s.getInputStream().read() != 1) {
            throw new IOException("the server closed the connection");
          }
        } catch (IOException clientSide) {
          // In TLS 1.3 the server judges the client's certificate after the client finished:
          // report the server's reason when it has one.
          try {
            accepted.get(10, TimeUnit.SECONDS);
          } catch (ExecutionException serverSide) {
            if (!String.valueOf(serverSide.getCause().getMessage())
                .startsWith("Received fatal alert")) {
              throw serverSide;
            }
          }
          throw clientSide;
        }
      }
      return new Handshake(serial, accepted.get(10, TimeUnit.SECONDS));
    }
  }
}
