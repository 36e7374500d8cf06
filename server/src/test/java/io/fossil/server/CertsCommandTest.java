package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.security.PemFiles;
import io.fossil.security.Principal;
import io.fossil.security.TlsMaterial;
import io.fossil.security.TokenVerifier;
import io.fossil.security.VerifiedToken;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fossil certs}, run as the {@code fossil} command line runs it, end to end: the files it
 * writes, their modes, what the certificates name, a real mutual-TLS handshake between the node and
 * client certificates it issued, and a token it printed verified against the key set it wrote.
 */
class CertsCommandTest {

  @TempDir Path dir;

  /** What one run printed and returned. */
  record Run(int exit, String out, String err) {}

  private static Run fossil(Map<String, String> environment, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Fossil.commandLine(null, environment::get)
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static Run fossil(String... args) {
    return fossil(Map.of(), args);
  }

  @Test
  void caWritesTheCertificateAndAPrivateKeyAndRefusesToReplaceThem() throws Exception {
    Run run = fossil("certs", "ca", "--dir", dir.toString(), "--name", "prod", "--days", "30");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("wrote " + dir.resolve("ca.crt"), "wrote " + dir.resolve("ca.key"));
    X509Certificate ca = PemFiles.readCertificates(dir.resolve("ca.crt")).get(0);
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(ca.getSubjectX500Principal().getName()).contains("Fossil CA prod");
    assertThat(ca.getNotAfter().toInstant())
        .isBetween(
            Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));
    assertThat(mode(dir.resolve("ca.key"))).isEqualTo("rw-------");
    byte[] before = Files.readAllBytes(dir.resolve("ca.key"));

    Run again = fossil("certs", "ca", "--dir", dir.toString());

    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains(dir.resolve("ca.crt") + " exists", "--force");
    assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isEqualTo(before);

    Run forced = fossil("certs", "ca", "--dir", dir.toString(), "--force");

    assertThat(forced.exit()).as(forced.err()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isNotEqualTo(before);
  }

  @Test
  void aCertificateWithoutACaFailsNamingTheCommandThatCreatesOne() {
    Run node =
        fossil("certs", "node", "--dir", dir.toString(), "--id", "n1", "--host", "localhost");
    Run client = fossil("certs", "client", "--dir", dir.toString(), "--name", "billing");

    for (Run run : List.of(node, client)) {
      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err()).contains("no CA in " + dir, "fossil certs ca --dir " + dir);
    }
    assertThat(dir.resolve("nodes")).doesNotExist();
  }

  @Test
  void nodeAndClientCertificatesChainToTheCaAndHandshakeWithEachOther() throws Exception {
    assertThat(fossil("certs", "ca", "--dir", dir.toString()).exit()).isZero();

    Run node =
        fossil(
            "certs",
            "node",
            "--dir",
            dir.toString(),
            "--id",
            "n1",
            "--host",
            "localhost",
            "--host",
            "127.0.0.1,node1.fossil.svc",
            "--days",
            "10");
    Path client = dir.resolve("elsewhere");
    Run billing =
        fossil(
            "certs",
            "client",
            "--dir",
            dir.toString(),
            "--name",
            "billing",
            "--out",
            client.toString());

    assertThat(node.exit()).as(node.err()).isZero();
    assertThat(billing.exit()).as(billing.err()).isZero();
    Path n1 = dir.resolve("nodes/n1");
    assertThat(node.out())
        .contains("wrote " + n1.resolve("tls.crt"), "wrote " + n1.resolve("tls.key"))
        .contains("--tls-key " + n1.resolve("tls.key"));
    assertThat(billing.out()).contains("wrote " + client.resolve("tls.key"), "\"client:billing\"");
    assertThat(mode(n1.resolve("tls.key"))).isEqualTo("rw-------");
    assertThat(mode(client.resolve("tls.key"))).isEqualTo("rw-------");

    X509Certificate ca = PemFiles.readCertificates(dir.resolve("ca.crt")).get(0);
    TlsMaterial server =
        TlsMaterial.load(n1.resolve("tls.key"), n1.resolve("tls.crt"), n1.resolve("ca.crt"));
    TlsMaterial caller =
        TlsMaterial.load(
            client.resolve("tls.key"), client.resolve("tls.crt"), client.resolve("ca.crt"));
    server.certificate().verify(ca.getPublicKey());
    caller.certificate().verify(ca.getPublicKey());
    assertThat(server.authorities()).containsExactly(ca);
    assertThat(sans(server.certificate()))
        .containsExactlyInAnyOrder(
            "localhost", "node1.fossil.svc", "127.0.0.1", "urn:fossil:node:n1");
    assertThat(sans(caller.certificate())).containsExactly("urn:fossil:client:billing");
    assertThat(Principal.fromCertificates(List.of(server.certificate())))
        .contains(Principal.node("n1"));
    assertThat(server.certificate().getNotAfter().toInstant())
        .isBefore(Instant.now().plus(Duration.ofDays(11)));

    assertThat(handshake(server, caller)).isEqualTo(Principal.client("billing"));
  }

  @Test
  void aTokenFromTheWrittenKeyVerifiesAgainstTheWrittenKeySet() throws Exception {
    Run key = fossil("certs", "token-key", "--dir", dir.toString());

    assertThat(key.exit()).as(key.err()).isZero();
    assertThat(key.out())
        .contains("wrote " + dir.resolve("token-key.jwk"), "wrote " + dir.resolve("jwks.json"));
    assertThat(mode(dir.resolve("token-key.jwk"))).isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("jwks.json"))).doesNotContain("\"d\"");

    Run token =
        fossil(
            "certs",
            "token",
            "--dir",
            dir.toString(),
            "--subject",
            "alice",
            "--audience",
            "fossil-prod",
            "--issuer",
            "https://idp.example",
            "--ttl",
            "2h");

    assertThat(token.exit()).as(token.err()).isZero();
    assertThat(token.err()).isEmpty();
    String jwt = token.out().trim();
    assertThat(jwt).doesNotContain("\n").matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
    TokenVerifier verifier =
        new TokenVerifier(
            TokenVerifier.Config.of(
                "https://idp.example",
                "fossil-prod",
                Set.of("RS256"),
                dir.resolve("jwks.json").toUri()),
            Clock.systemUTC());
    VerifiedToken verified = verifier.verify(jwt);
    assertThat(verified.principal()).isEqualTo(Principal.token("alice"));
    assertThat(verified.expiresAt())
        .isBetween(
            Instant.now().plus(Duration.ofMinutes(118)), Instant.now().plus(Duration.ofHours(2)));

    byte[] before = Files.readAllBytes(dir.resolve("token-key.jwk"));
    Run again = fossil("certs", "token-key", "--dir", dir.toString());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("exists", "--force");
    assertThat(Files.readAllBytes(dir.resolve("token-key.jwk"))).isEqualTo(before);
    assertThat(fossil("certs", "token-key", "--dir", dir.toString(), "--force").exit()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("token-key.jwk"))).isNotEqualTo(before);
  }

  @Test
  void aTokenWithoutAKeyFailsNamingTheCommandThatCreatesOne() {
    Run run =
        fossil(
            "certs",
            "token",
            "--dir",
            dir.toString(),
            "--subject",
            "alice",
            "--audience",
            "a",
            "--issuer",
            "i");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("fossil certs token-key --dir " + dir);
  }

  @Test
  void badOptionsExitWithTwoAndSayWhatIsWrong() {
    fossil("certs", "ca", "--dir", dir.toString());
    String d = dir.toString();
    Object[][] cases = {
      {new String[] {"certs"}, "ca, node, client, token-key or token"},
      {new String[] {"certs", "ca"}, "--dir"},
      {new String[] {"certs", "ca", "--dir", d, "--days", "0", "--force"}, "--days"},
      {new String[] {"certs", "node", "--dir", d, "--host", "localhost"}, "--id"},
      {new String[] {"certs", "node", "--dir", d, "--id", "n1"}, "--host"},
      {new String[] {"certs", "node", "--dir", d, "--id", "n1", "--host", "bad host"}, "bad host"},
      {
        new String[] {"certs", "node", "--dir", d, "--id", "n1", "--host", "300.1.1.1"}, "300.1.1.1"
      },
      {new String[] {"certs", "node", "--dir", d, "--id", "../n1", "--host", "h"}, "--out"},
      {new String[] {"certs", "client", "--dir", d}, "--name"},
      {
        new String[] {
          "certs",
          "token",
          "--dir",
          d,
          "--subject",
          "a",
          "--audience",
          "a",
          "--issuer",
          "i",
          "--ttl",
          "forever"
        },
        "--ttl"
      },
    };
    for (Object[] c : cases) {
      String[] args = (String[]) c[0];
      Run run = fossil(args);
      assertThat(run.exit()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(run.err()).as(String.join(" ", args)).contains((String) c[1]);
    }
    assertThat(dir.resolve("nodes")).doesNotExist();
  }

  @Test
  void theEnvironmentOfANodeSetsNoCertsOption() {
    fossil("certs", "ca", "--dir", dir.toString());
    Map<String, String> env = Map.of("FOSSIL_ID", "n9", "FOSSIL_FORCE", "true", "FOSSIL_DAYS", "0");

    Run node = fossil(env, "certs", "node", "--dir", dir.toString(), "--host", "localhost");
    Run ca = fossil(env, "certs", "ca", "--dir", dir.toString());

    assertThat(node.exit()).isEqualTo(2);
    assertThat(node.err()).contains("--id");
    assertThat(ca.exit()).isEqualTo(1);
    assertThat(ca.err()).contains("--force");
  }

  /**
   * The principal the node side sees after a mutual-TLS handshake, the client checking "localhost".
   */
  private static Principal handshake(TlsMaterial server, TlsMaterial client) throws Exception {
    try (SSLServerSocket listener =
        (SSLServerSocket) server.newSslContext().getServerSocketFactory().createServerSocket(0)) {
      listener.setNeedClientAuth(true);
      CompletableFuture<Principal> seen =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.startHandshake();
                  InputStream in = s.getInputStream();
                  int b = in.read();
                  s.getOutputStream().write(b);
                  s.getOutputStream().flush();
                  return Principal.fromCertificates(List.of(s.getSession().getPeerCertificates()))
                      .orElseThrow();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try (SSLSocket s =
          (SSLSocket)
              client
                  .newSslContext()
                  .getSocketFactory()
                  .createSocket("localhost", listener.getLocalPort())) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(42);
        out.flush();
        assertThat(s.getInputStream().read()).isEqualTo(42);
      }
      return seen.get(10, TimeUnit.SECONDS);
    }
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
}
