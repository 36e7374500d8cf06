package io.fossil.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);
  static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  @TempDir Path dir;

  @Test
  void nodeCertificateNamesTheNodeItsHostsAndServesBothWays() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", Duration.ofDays(365), CLOCK);
    IssuedCertificate node =
        ca.issueNode(
            "n1",
            List.of("localhost", "fossil-0.fossil"),
            List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")),
            Duration.ofDays(30));

    X509Certificate leaf = node.leaf();
    leaf.verify(ca.certificate().getPublicKey());
    assertThat(node.chain()).containsExactly(leaf, ca.certificate());
    assertThat(leaf.getSubjectAlternativeNames())
        .contains(
            List.of(2, "localhost"),
            List.of(2, "fossil-0.fossil"),
            List.of(7, "127.0.0.1"),
            List.of(6, "urn:fossil:node:n1"));
    assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getNotBefore().toInstant()).isEqualTo(CLOCK.instant().minusSeconds(3600));
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(CLOCK.instant().plus(Duration.ofDays(30)));
    assertThat(ca.certificate().getBasicConstraints()).isZero();
    assertThat(Principal.fromCertificates(node.chain())).contains(Principal.node("n1"));
  }

  @Test
  void clientCertificateNamesTheClientAndAuthenticatesClientsOnly() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", Duration.ofDays(365), CLOCK);
    IssuedCertificate client = ca.issueClient("reporting", Duration.ofDays(30));

    assertThat(client.leaf().getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(client.leaf().getSubjectAlternativeNames())
        .containsExactly(List.of(6, "urn:fossil:client:reporting"));
    assertThat(Principal.fromCertificates(client.chain())).contains(Principal.client("reporting"));
  }

  @Test
  void aCertificateWithoutAFossilUriNamesNobody() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", Duration.ofDays(365), CLOCK);
    assertThat(Principal.fromCertificates(List.of(ca.certificate()))).isEmpty();
    assertThat(Principal.fromCertificates(List.<X509Certificate>of())).isEmpty();
    assertThat(Principal.fromCertificates((java.security.cert.Certificate[]) null)).isEmpty();
  }

  @Test
  void pemFilesRoundTripAndKeysAreOwnerOnly() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", Duration.ofDays(365), CLOCK);
    ca.write(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    IssuedCertificate node =
        ca.issueNode("n1", List.of("localhost"), List.of(), Duration.ofDays(30));
    node.write(dir.resolve("tls.crt"), dir.resolve("tls.key"));

    assertThat(PemFiles.readCertificates(dir.resolve("tls.crt"))).isEqualTo(node.chain());
    assertThat(PemFiles.readPrivateKey(dir.resolve("tls.key")).getEncoded())
        .isEqualTo(node.privateKey().getEncoded());
    assertThat(Files.readString(dir.resolve("tls.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls.key"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
        .isEqualTo("rw-------");

    CertificateAuthority again =
        CertificateAuthority.load(dir.resolve("ca.pem"), dir.resolve("ca.key"), CLOCK);
    again.issueClient("c", Duration.ofDays(1)).leaf().verify(ca.certificate().getPublicKey());
  }

  @Test
  void readsTraditionalEcKeys() throws Exception {
    // SEC1 with the curve named inside, as openssl and cert-manager (PKCS1 encoding) write it.
    KeyPair pair = CertificateAuthority.newKeyPair();
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
    ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
    ECPrivateKey sec1 =
        new ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
    Files.writeString(dir.resolve("ec.key"), PemFiles.block("EC PRIVATE KEY", sec1.getEncoded()));

    assertThat(
            ((java.security.interfaces.ECPrivateKey) PemFiles.readPrivateKey(dir.resolve("ec.key")))
                .getS())
        .isEqualTo(((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS());
  }

  @Test
  void refusesACaKeyThatIsNotTheCertificatesAndNonCaCertificates() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", Duration.ofDays(365), CLOCK);
    CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(365), CLOCK);
    ca.write(dir.resolve("ca.pem"), dir.resolve("ca.key"));
    other.write(dir.resolve("other.pem"), dir.resolve("other.key"));
    ca.issueClient("c", Duration.ofDays(1)).write(dir.resolve("c.pem"), dir.resolve("c.key"));

    assertThatThrownBy(
            () -> CertificateAuthority.load(dir.resolve("ca.pem"), dir.resolve("other.key"), CLOCK))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("is not the key of");
    assertThatThrownBy(
            () -> CertificateAuthority.load(dir.resolve("c.pem"), dir.resolve("c.key"), CLOCK))
        .hasMessageContaining("not a CA");
  }

  @Test
  void keysNeverAppearInTextOrErrors() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test", Duration.ofDays(365), CLOCK);
    IssuedCertificate c = ca.issueClient("c", Duration.ofDays(1));
    String key = Base64.getEncoder().encodeToString(c.privateKey().getEncoded());
    assertThat(c.toString() + ca).doesNotContain(key.substring(40, 60)).contains("CN=c");

    String garbage =
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldC1zZWNyZXQ=\n-----END PRIVATE KEY-----\n";
    Files.writeString(dir.resolve("bad.key"), garbage);
    assertThatThrownBy(() -> PemFiles.readPrivateKey(dir.resolve("bad.key")))
        .isInstanceOf(GeneralSecurityException.class)
        .hasNoCause()
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("c2VjcmV0"));
  }
}
