package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.security.Authorizer;
import io.fossil.security.CertificateAuthority;
import io.fossil.security.IssuedCertificate;
import io.fossil.security.Permissions;
import io.fossil.security.TokenIssuer;
import io.fossil.security.TokenVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ApiTestServer} with {@link HttpSecurity}: HTTPS from PEM files written by a test {@link
 * CertificateAuthority} (server certificate for 127.0.0.1 and localhost, client certificates
 * requested), tokens from a {@link TokenIssuer} whose JWKS file the verifier reads, and the
 * permissions of {@link #PERMISSIONS}. Clients are the JDK's, with real handshakes.
 */
abstract class SecureApiTestServer extends ApiTestServer {

  static final String ISSUER = "https://issuer.test";
  static final String AUDIENCE = "fossil";

  /**
   * alice reads, appends and consumes orders; mallory the same on invoices; ops is an admin; the
   * client certificate {@code client:app} reads and appends orders.
   */
  static final String PERMISSIONS =
      """
      {"version": 1, "grants": [
        {"principals": ["token:alice"], "read": ["category:orders"],
         "append": ["category:orders"], "consume": ["prefix:orders-"]},
        {"principals": ["token:mallory"], "read": ["category:invoices"],
         "append": ["category:invoices"], "consume": ["prefix:invoices-"]},
        {"principals": ["token:ops"], "read": ["*"], "admin": true, "metrics": true},
        {"principals": ["client:app"], "read": ["category:orders"],
         "append": ["category:orders"]}
      ]}
      """;

  @TempDir static Path dir;
  static CertificateAuthority ca;
  static CertificateAuthority otherCa;
  static TokenIssuer tokens;
  static Path serverChain;
  static Path serverKey;
  static Path caPem;
  static Path jwks;
  static SSLContext trustingClient;

  @BeforeAll
  static void createCredentials() throws Exception {
    ca = CertificateAuthority.create("test", Duration.ofDays(30), Clock.systemUTC());
    otherCa = CertificateAuthority.create("other", Duration.ofDays(30), Clock.systemUTC());
    caPem = dir.resolve("ca.pem");
    ca.write(caPem, dir.resolve("ca.key"));
    serverChain = dir.resolve("tls.crt");
    serverKey = dir.resolve("tls.key");
    serverCertificate("n1").write(serverChain, serverKey);
    tokens = TokenIssuer.generate("k1", Clock.systemUTC());
    jwks = dir.resolve("jwks.json");
    tokens.writeJwks(jwks);
    trustingClient = context(null, ca);
  }

  static IssuedCertificate serverCertificate(String node) throws GeneralSecurityException {
    return ca.issueNode(
        node, List.of("localhost"), List.of(InetAddress.getLoopbackAddress()), Duration.ofDays(1));
  }

  /** The security a test runs with; by default TLS, tokens and client certificates, no limits. */
  HttpSecurity security() {
    return HttpSecurity.of(
        new HttpSecurity.Tls(serverChain, serverKey, caPem, Duration.ofMillis(200)),
        verifier(Clock.systemUTC()),
        Authorizer.of(Permissions.parse(PERMISSIONS)));
  }

  static TokenVerifier verifier(Clock clock) {
    return new TokenVerifier(
        TokenVerifier.Config.of(ISSUER, AUDIENCE, Set.of("RS256"), jwks.toUri()), clock);
  }

  @Override
  HttpApi.Options options(HttpApi.Options plain) {
    return plain.withSecurity(security());
  }

  @Override
  String scheme() {
    return "https";
  }

  @Override
  HttpClient client() {
    return client(trustingClient);
  }

  static HttpClient client(SSLContext context) {
    return HttpClient.newBuilder()
        .sslContext(context)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** A client context presenting {@code certificate} (null: none) and trusting {@code trusted}. */
  static SSLContext context(IssuedCertificate certificate, CertificateAuthority trusted)
      throws GeneralSecurityException, IOException {
    return context(certificate, trusted, false);
  }

  /**
   * As {@link #context(IssuedCertificate, CertificateAuthority)}; with {@code always}, the
   * certificate is presented even when the server asks for another CA's (the JDK's key manager
   * would send none then, as a well-behaved client does; an attacker sends it anyway).
   */
  static SSLContext context(
      IssuedCertificate certificate, CertificateAuthority trusted, boolean always)
      throws GeneralSecurityException, IOException {
    char[] password = "test".toCharArray();
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", trusted.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (certificate != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "me",
          certificate.privateKey(),
          password,
          certificate.chain().toArray(new java.security.cert.Certificate[0]));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
    }
    KeyManager[] managers = kmf == null ? null : kmf.getKeyManagers();
    if (managers != null && always) {
      managers = new KeyManager[] {new AlwaysPresent((X509ExtendedKeyManager) managers[0])};
    }
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(managers, tmf.getTrustManagers(), null);
    return c;
  }

  /** A good token for {@code subject}, valid for five minutes. */
  static String token(String subject) {
    return tokens.issue(ISSUER, AUDIENCE, subject, Duration.ofMinutes(5), Map.of());
  }

  static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  /** Calls as {@code subject} with a good token. */
  Response as(String subject, String method, String path, String contentType, String body) {
    return call(client(), method, path, contentType, body, bearer(token(subject)));
  }

  /** Asserts a 401 with a Bearer challenge; {@code reason}, if not null, in the body and header. */
  static void assertUnauthenticated(Response r, String reason) {
    r.problem(401, ProblemType.UNAUTHENTICATED);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer realm=\"fossil\"");
    if (reason != null) {
      assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"").contains(reason);
      assertThat(r.json().path("reason").asText()).isEqualTo(reason);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Presents its one certificate whatever issuers the server asks for. */
  private static final class AlwaysPresent extends X509ExtendedKeyManager {
    private final X509ExtendedKeyManager keys;

    AlwaysPresent(X509ExtendedKeyManager keys) {
      this.keys = keys;
    }

    @Override
    public String chooseEngineClientAlias(String[] types, Principal[] issuers, SSLEngine e) {
      return "me";
    }

    @Override
    public String chooseClientAlias(String[] types, Principal[] issuers, Socket socket) {
      return "me";
    }

    @Override
    public String[] getClientAliases(String type, Principal[] issuers) {
      return new String[] {"me"};
    }

    @Override
    public String[] getServerAliases(String type, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String type, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return keys.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return keys.getPrivateKey(alias);
    }
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
