package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.security.Action;
import io.fossil.security.Authorizer;
import io.fossil.security.PemFiles;
import io.fossil.security.Principal;
import io.fossil.security.TlsMaterial;
import io.fossil.security.TokenVerifier;
import io.fossil.security.VerifiedToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fossil dev --secure}'s credentials: real certificates that chain to the local CA and name
 * the node, a real signed admin token that verifies and holds every permission, reused across
 * restarts and replaced when they no longer fit.
 */
class DevSecurityTest {

  private static final Instant T0 = Instant.parse("2026-12-07T20:00:00Z");

  @TempDir Path data;

  @Test
  void preparesACaNodeCertificatesATokenKeyPermissionsAndAnAdminToken() throws Exception {
    DevSecurity security =
        DevSecurity.prepare(data, 3, List.of("fossil.local", "10.1.2.3"), at(T0));

    Path secure = data.resolve("secure");
    assertThat(security.directory()).isEqualTo(secure);
    assertThat(security.caCertificate()).isEqualTo(secure.resolve("ca.pem")).exists();
    assertThat(mode(secure)).isEqualTo("rwx------");
    assertThat(mode(secure.resolve("ca.key"))).isEqualTo("rw-------");
    assertThat(mode(secure.resolve("token-key.jwk"))).isEqualTo("rw-------");
    assertThat(mode(security.adminToken())).isEqualTo("rw-------");
    X509Certificate ca = PemFiles.readCertificates(security.caCertificate()).get(0);

    assertThat(security.nodes())
        .extracting(DevSecurity.NodeFiles::id)
        .containsExactly("n1", "n2", "n3");
    for (DevSecurity.NodeFiles node : security.nodes()) {
      assertThat(mode(node.key())).isEqualTo("rw-------");
      assertThat(node.ca()).isEqualTo(security.caCertificate());
      TlsMaterial tls = TlsMaterial.load(node.key(), node.certificate(), node.ca());
      X509Certificate leaf = tls.certificate();
      leaf.verify(ca.getPublicKey());
      assertThat(Principal.fromCertificates(List.of(leaf))).contains(Principal.node(node.id()));
      assertThat(sans(leaf))
          .contains(
              "localhost", "127.0.0.1", "fossil.local", "10.1.2.3", "urn:fossil:node:" + node.id());
    }
    assertThat(security.node("n2").certificate()).isEqualTo(secure.resolve("n2/tls.crt"));

    VerifiedToken admin =
        new TokenVerifier(security.tokenConfig(), at(T0)).verify(adminToken(security));
    assertThat(admin.principal()).isEqualTo(Principal.token(DevSecurity.ADMIN_SUBJECT));
    assertThat(admin.expiresAt()).isAfter(T0.plus(Duration.ofDays(29)));
    assertThat(security.jwks()).hasScheme("file");
    assertThat(security.tokenConfig().issuer()).isEqualTo(security.issuer());
    assertThat(security.tokenConfig().audiences()).containsExactly(security.audience());

    Authorizer grants = Authorizer.load(security.permissions());
    Principal root = Principal.token("admin");
    for (Action a : List.of(Action.READ, Action.APPEND, Action.CONSUME)) {
      assertThat(grants.check(root, a, "orders-1").allowed()).as(a.word()).isTrue();
    }
    assertThat(grants.check(root, Action.ADMIN, null).allowed()).isTrue();
    assertThat(grants.check(root, Action.METRICS, null).allowed()).isTrue();
    assertThat(grants.check(Principal.node("n2"), Action.ADMIN, null).allowed()).isTrue();
    assertThat(grants.check(Principal.token("alice"), Action.READ, "orders-1").allowed()).isFalse();

    assertThat(security.curl())
        .contains("--cacert " + security.caCertificate(), "$(cat " + security.adminToken() + ")")
        .doesNotContain(adminToken(security));
  }

  @Test
  void aSecondPrepareReusesEverythingThatIsStillValid() throws Exception {
    DevSecurity first = DevSecurity.prepare(data, 2, List.of(), at(T0));
    List<byte[]> before = contents(first);

    DevSecurity second = DevSecurity.prepare(data, 2, List.of(), at(T0.plus(Duration.ofDays(3))));

    assertThat(contents(second)).containsExactlyElementsOf(before);
  }

  @Test
  void anExpiredAdminTokenIsReissuedWithTheSameCaAndKey() throws Exception {
    DevSecurity first = DevSecurity.prepare(data, 1, List.of(), at(T0));
    byte[] ca = Files.readAllBytes(first.caCertificate());
    byte[] jwks = Files.readAllBytes(first.jwksFile());
    String oldToken = adminToken(first);
    Instant later = T0.plus(Duration.ofDays(31));

    DevSecurity second = DevSecurity.prepare(data, 1, List.of(), at(later));

    assertThat(Files.readAllBytes(second.caCertificate())).isEqualTo(ca);
    assertThat(Files.readAllBytes(second.jwksFile())).isEqualTo(jwks);
    String newToken = adminToken(second);
    assertThat(newToken).isNotEqualTo(oldToken);
    TokenVerifier verifier = new TokenVerifier(second.tokenConfig(), at(later));
    assertThat(verifier.verify(newToken).expiresAt()).isAfter(later.plus(Duration.ofDays(29)));
    assertThat(mode(second.adminToken())).isEqualTo("rw-------");
  }

  @Test
  void aNewHostOrMoreNodesIssueCertificatesButKeepTheCa() throws Exception {
    DevSecurity first = DevSecurity.prepare(data, 1, List.of(), at(T0));
    byte[] ca = Files.readAllBytes(first.caCertificate());
    byte[] n1 = Files.readAllBytes(first.node("n1").certificate());

    DevSecurity second = DevSecurity.prepare(data, 2, List.of("192.168.7.7"), at(T0));

    assertThat(Files.readAllBytes(second.caCertificate())).isEqualTo(ca);
    assertThat(Files.readAllBytes(second.node("n1").certificate())).isNotEqualTo(n1);
    for (DevSecurity.NodeFiles node : second.nodes()) {
      X509Certificate leaf =
          TlsMaterial.load(node.key(), node.certificate(), node.ca()).certificate();
      assertThat(sans(leaf)).contains("192.168.7.7");
    }
  }

  @Test
  void aCaCloseToItsEndIsReplacedAndTheNodesReissuedUnderTheNewOne() throws Exception {
    DevSecurity first = DevSecurity.prepare(data, 1, List.of(), at(T0));
    byte[] ca = Files.readAllBytes(first.caCertificate());
    Instant nearEnd = T0.plus(DevSecurity.CA_VALIDITY).minus(Duration.ofDays(10));

    DevSecurity second = DevSecurity.prepare(data, 1, List.of(), at(nearEnd));

    assertThat(Files.readAllBytes(second.caCertificate())).isNotEqualTo(ca);
    X509Certificate newCa = PemFiles.readCertificates(second.caCertificate()).get(0);
    DevSecurity.NodeFiles n1 = second.node("n1");
    TlsMaterial.load(n1.key(), n1.certificate(), n1.ca())
        .certificate()
        .verify(newCa.getPublicKey());
  }

  @Test
  void anEditedPermissionsFileIsKept() throws Exception {
    DevSecurity first = DevSecurity.prepare(data, 1, List.of(), at(T0));
    String edited = "{\"version\": 1, \"grants\": []}\n";
    Files.writeString(first.permissions(), edited);

    DevSecurity.prepare(data, 1, List.of(), at(T0));

    assertThat(Files.readString(first.permissions())).isEqualTo(edited);
  }

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }

  private static String adminToken(DevSecurity security) throws Exception {
    return Files.readString(security.adminToken()).trim();
  }

  private static String mode(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  private static List<String> sans(X509Certificate leaf) throws Exception {
    List<String> out = new ArrayList<>();
    for (List<?> san : leaf.getSubjectAlternativeNames()) {
      out.add(String.valueOf(san.get(1)));
    }
    return out;
  }

  private static List<byte[]> contents(DevSecurity security) throws Exception {
    List<Path> files =
        new ArrayList<>(
            List.of(
                security.caCertificate(),
                security.directory().resolve("ca.key"),
                security.jwksFile(),
                security.directory().resolve("token-key.jwk"),
                security.permissions(),
                security.adminToken()));
    for (DevSecurity.NodeFiles n : security.nodes()) {
      files.add(n.key());
      files.add(n.certificate());
    }
    List<byte[]> out = new ArrayList<>();
    for (Path f : files) {
      out.add(Files.readAllBytes(f));
    }
    return out;
  }
}
