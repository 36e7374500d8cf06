package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.fossil.compaction.Compactor;
import io.fossil.kv.KeyRange;
import io.fossil.kv.KvScans;
import io.fossil.placement.Member;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.security.CertificateAuthority;
import io.fossil.security.ClientCredentials;
import io.fossil.security.TokenIssuer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secure three-node cluster ({@code fossil dev --secure}'s credentials, appends forwarded to
 * their owner over mutual TLS) against attacks and bad credentials, end to end: real handshakes,
 * real signed tokens, every node asked. Each refusal asserts its status and problem type, and that
 * nothing changed in the store or in placement. The router's {@code SecurityAttacksTest} and
 * placement's {@code ControlPlaneSecurityTest} hold the rest of the table against one API and one
 * Raft group.
 */
class SecureClusterTest {

  /** alice may read, write and consume orders; bob payroll; billing (a certificate) orders. */
  private static final String PERMISSIONS =
      """
      {"version": 1, "grants": [
        {"principals": ["token:admin"], "read": ["*"], "append": ["*"], "consume": ["*"],
         "admin": true, "metrics": true},
        {"principals": ["node:*"], "admin": true},
        {"principals": ["token:alice"], "read": ["category:orders"], "append": ["category:orders"],
         "consume": ["prefix:orders-"]},
        {"principals": ["token:bob"], "read": ["category:payroll"], "append": ["category:payroll"]},
        {"principals": ["client:billing"], "read": ["category:orders"],
         "append": ["category:orders"]}
      ]}
      """;

  private static final String APPEND = "{\"events\":[{\"type\":\"Placed\",\"data\":{\"n\":1}}]}";

  @TempDir static Path data;

  private static DevCluster cluster;
  private static DevSecurity secure;
  private static TokenIssuer issuer;
  private static HttpClient https;
  private static HttpClient billing;
  private static HttpClient impostor;
  private static final AtomicInteger streams = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    Files.createDirectories(data.resolve("secure"));
    Files.writeString(data.resolve("secure").resolve("permissions.json"), PERMISSIONS);
    cluster =
        DevCluster.start(
            new DevCluster.Options(
                data,
                "127.0.0.1",
                Ports.freeRun(3),
                Ports.freeRun(3),
                3,
                8,
                Duration.ofSeconds(5),
                true,
                null,
                Compactor.Options.DEFAULTS,
                true),
            Duration.ofSeconds(90));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> cluster.nodes().stream().allMatch(n -> n.notReadyReason() == null));
    secure = cluster.security().orElseThrow();
    issuer = TokenIssuer.load(secure.directory().resolve("token-key.jwk"), Clock.systemUTC());
    https = client(ClientCredentials.load(secure.caCertificate(), null, null, null, n -> null));
    CertificateAuthority ca =
        CertificateAuthority.load(
            secure.caCertificate(), secure.directory().resolve("ca.key"), Clock.systemUTC());
    ca.issueClient("billing", Duration.ofHours(1))
        .write(data.resolve("billing.crt"), data.resolve("billing.key"));
    billing =
        client(
            ClientCredentials.load(
                secure.caCertificate(),
                data.resolve("billing.crt"),
                data.resolve("billing.key"),
                null,
                n -> null));
    CertificateAuthority other =
        CertificateAuthority.create("other", Duration.ofDays(1), Clock.systemUTC());
    other
        .issueClient("billing", Duration.ofHours(1))
        .write(data.resolve("impostor.crt"), data.resolve("impostor.key"));
    impostor =
        insistent(
            ClientCredentials.load(
                secure.caCertificate(),
                data.resolve("impostor.crt"),
                data.resolve("impostor.key"),
                null,
                n -> null));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  // ------------------------------------------------------------------ what works

  @Test
  void grantedCallersAppendThroughEveryNodeAndForwardedAppendsAreAuthorizedAsThem() {
    // The category orders lies in one segment, written by one node: the two others forward.
    String owner = cluster.nodes().get(0).view().openSegmentFor("orders-1").orElseThrow().owner();
    int forwarded = 0;
    for (int i = 0; i < 3; i++) {
      String url = cluster.urls().get(i);
      forwarded += owner.equals("n" + (i + 1)) ? 0 : 1;
      String stream = "orders-" + streams.incrementAndGet();
      Response alice = call(https, "POST", url + "/streams/" + stream, APPEND, bearer("alice"));
      assertThat(alice.status()).as(url + " " + alice.body()).isEqualTo(201);
      Response cert = call(billing, "POST", url + "/streams/" + stream, APPEND, Map.of());
      assertThat(cert.status()).as(url + " " + cert.body()).isEqualTo(201);
      Response read = call(https, "GET", url + "/streams/" + stream, null, bearer("alice"));
      assertThat(read.json().get("events")).hasSize(2);
    }
    assertThat(forwarded).isEqualTo(2);
  }

  @Test
  void healthStaysOpenAndClusterAddressesAreHttps() {
    for (String url : cluster.urls()) {
      assertThat(call(https, "GET", url + "/health/ready", null, Map.of()).status()).isEqualTo(200);
      assertThat(call(https, "GET", url + "/health/live", null, Map.of()).status()).isEqualTo(200);
    }
    JsonNode members =
        call(https, "GET", cluster.urls().get(0) + "/cluster", null, bearer("admin"))
            .json()
            .get("members");
    assertThat(members).hasSize(3);
    assertThat(members).allSatisfy(m -> assertThat(m.get("url").asText()).startsWith("https://"));
  }

  // ------------------------------------------------------------------ the attacks

  @Test
  void badTokensAre401OnEveryNodeAndChangeNothing() throws Exception {
    Instant now = Instant.now();
    Map<String, String> tokens = new java.util.LinkedHashMap<>();
    tokens.put("expired", issuedAt(now.minus(Duration.ofHours(3)), "alice", Duration.ofHours(1)));
    tokens.put(
        "not yet valid", issuedAt(now.plus(Duration.ofHours(1)), "alice", Duration.ofHours(1)));
    tokens.put(
        "wrong audience",
        issuer.issue(secure.issuer(), "someone-else", "alice", Duration.ofHours(1), Map.of()));
    tokens.put(
        "wrong issuer",
        issuer.issue("evil", secure.audience(), "alice", Duration.ofHours(1), Map.of()));
    tokens.put("alg none", new PlainJWT(claims("admin")).serialize());
    tokens.put("HS256 keyed with the RSA public key", hs256WithThePublicKey());
    tokens.put("unknown kid", signedByAStranger());
    tokens.put("tampered payload", tamperedTo("admin", token("alice")));
    tokens.put("not a JWT", "not-a-token");

    for (Map.Entry<String, String> bad : tokens.entrySet()) {
      for (String url : cluster.urls()) {
        refused(
            bad.getKey() + " at " + url,
            https,
            "POST",
            url + "/streams/orders-attack",
            APPEND,
            Map.of("Authorization", "Bearer " + bad.getValue()),
            401,
            "unauthenticated");
      }
    }
  }

  @Test
  void aTokenForAnotherCategoryIs403OnEveryKindOfRequest() throws Exception {
    String url = cluster.urls().get(1);
    Map<String, String> bob = bearer("bob");
    String[][] requests = {
      {"POST", "/streams/orders-1", APPEND},
      {"GET", "/streams/orders-1", null},
      {"GET", "/events?category=orders", null},
      {"GET", "/events/live?category=orders", null},
      {"PUT", "/consumers/orders-view/cursor", "{\"cursor\":\"x\"}"},
      {"GET", "/consumers/orders-view/cursor", null},
      {"GET", "/consumers/orders-view/wait?position=1:0-ffffffffffffffff@0&timeout=0", null},
      {"DELETE", "/consumers/orders-view", null},
    };
    for (String[] r : requests) {
      refused(r[0] + " " + r[1], https, r[0], url + r[1], r[2], bob, 403, "forbidden");
    }
  }

  @Test
  void adminAndMetricsNeedTheirPermissions() throws Exception {
    String url = cluster.urls().get(2);
    String segment = cluster.nodes().get(0).view().segments().get(0).id().toString();
    String[][] requests = {
      {"POST", "/admin/segments/" + segment + "/split"},
      {"POST", "/admin/segments/" + segment + "/move?to=n2"},
      {"POST", "/admin/compaction"},
      {"GET", "/cluster"},
      {"GET", "/metrics"},
    };
    for (String[] r : requests) {
      refused(r[0] + " " + r[1], https, r[0], url + r[1], "{}", bearer("alice"), 403, "forbidden");
      refused(r[0] + " " + r[1], billing, r[0], url + r[1], "{}", Map.of(), 403, "forbidden");
    }
  }

  @Test
  void noCredentialsIs401WithAChallenge() throws Exception {
    Response r = call(https, "POST", cluster.urls().get(0) + "/streams/orders-1", APPEND, Map.of());
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
  }

  @Test
  void onlyANodeMaySpeakForAnotherPrincipal() throws Exception {
    Map<String, String> claim = Map.of("Fossil-On-Behalf-Of", "token:admin");
    String url = cluster.urls().get(0);
    refused(
        "a client certificate naming admin",
        billing,
        "POST",
        url + "/admin/compaction",
        "{}",
        claim,
        403,
        "forbidden");
    Map<String, String> aliceAsAdmin = new java.util.HashMap<>(bearer("alice"));
    aliceAsAdmin.putAll(claim);
    refused(
        "a token naming admin",
        https,
        "POST",
        url + "/admin/compaction",
        "{}",
        aliceAsAdmin,
        403,
        "forbidden");
  }

  @Test
  void aCrossSiteFormPostToAnAdminRouteIsRefused() throws Exception {
    Snapshot before = snapshot();
    HttpRequest form =
        HttpRequest.newBuilder(URI.create(cluster.urls().get(0) + "/admin/compaction"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "https://evil.example")
            .POST(HttpRequest.BodyPublishers.ofString("a=1"))
            .build();
    HttpResponse<String> r = https.send(form, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("urn:fossil:problem:cross-site-request");
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void plainHttpAndForeignCertificatesFailBeforeAnyRequest() throws Exception {
    Snapshot before = snapshot();
    String plain = cluster.urls().get(0).replace("https://", "http://");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(URI.create(plain + "/streams/orders-1"))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(APPEND))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    // A certificate naming client:billing, from another CA: the handshake fails.
    assertThatThrownBy(
            () ->
                impostor.send(
                    HttpRequest.newBuilder(URI.create(cluster.urls().get(1) + "/streams/orders-1"))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(APPEND))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    assertThat(snapshot()).isEqualTo(before);
  }

  // ------------------------------------------------------------------ rotation

  @Test
  void aRotatedNodeCertificateIsServedWithoutARestart() throws Exception {
    DevSecurity.NodeFiles n3 = secure.node("n3");
    String url = cluster.urls().get(2);
    BigInteger old = servedSerial(url);
    CertificateAuthority ca =
        CertificateAuthority.load(
            secure.caCertificate(), secure.directory().resolve("ca.key"), Clock.systemUTC());
    Path staging = Files.createTempDirectory(data, "rotation");
    ca.issueNode(
            "n3",
            List.of("localhost"),
            List.of(InetAddress.getByName("127.0.0.1")),
            Duration.ofDays(2))
        .write(staging.resolve("tls.crt"), staging.resolve("tls.key"));
    BigInteger rotated =
        io.fossil.security.PemFiles.readCertificates(staging.resolve("tls.crt"))
            .get(0)
            .getSerialNumber();
    Files.move(staging.resolve("tls.key"), n3.key(), StandardCopyOption.REPLACE_EXISTING);
    Files.move(staging.resolve("tls.crt"), n3.certificate(), StandardCopyOption.REPLACE_EXISTING);

    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> servedSerial(url).equals(rotated));
    assertThat(rotated).isNotEqualTo(old);
    String stream = "orders-" + streams.incrementAndGet();
    for (String node : cluster.urls()) {
      assertThat(call(https, "POST", node + "/streams/" + stream, APPEND, bearer("alice")).status())
          .as(node)
          .isEqualTo(201);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Sends the request and asserts the refusal and that the store and placement are unchanged. */
  private static void refused(
      String what,
      HttpClient client,
      String method,
      String url,
      String body,
      Map<String, String> headers,
      int status,
      String type)
      throws Exception {
    Snapshot before = snapshot();
    Response r = call(client, method, url, body, headers);
    assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).as(what).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).as(what).isEqualTo("urn:fossil:problem:" + type);
    assertThat(snapshot()).as(what).isEqualTo(before);
  }

  /** The store's content and placement's segments and members (not their leases). */
  record Snapshot(String store, List<String> segments, List<String> members) {}

  private static Snapshot snapshot() throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    KvScans.forEach(
            cluster.store(),
            KeyRange.all(),
            1000,
            false,
            kv -> {
              sha.update(kv.key());
              sha.update(kv.value());
            })
        .join();
    PlacementView view = cluster.nodes().get(0).view();
    List<String> segments = new ArrayList<>();
    for (Segment s : view.segments()) {
      segments.add(s.id() + " " + s.state() + " " + s.owner() + " " + s.epoch());
    }
    List<String> members = new ArrayList<>();
    for (Member m : view.members()) {
      members.add(m.nodeId() + " " + m.incarnation() + " " + m.httpAddress() + " " + m.leaving());
    }
    return new Snapshot(HexFormat.of().formatHex(sha.digest()), segments, members);
  }

  record Response(int status, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }

    JsonNode json() {
      try {
        return Http.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  private static Response call(
      HttpClient client, String method, String url, String body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new AssertionError(method + " " + url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static HttpClient client(ClientCredentials credentials) throws Exception {
    SSLContext tls = credentials.sslContext();
    return HttpClient.newBuilder()
        .sslContext(tls)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /**
   * A client that presents its certificate even when the server asks for another CA's (the JDK's
   * key manager would otherwise send none, and the request would merely be unauthenticated).
   */
  private static HttpClient insistent(ClientCredentials credentials) throws Exception {
    X509ExtendedKeyManager keys = credentials.keyManager().orElseThrow();
    X509ExtendedKeyManager anyIssuer =
        new X509ExtendedKeyManager() {
          @Override
          public String[] getClientAliases(String type, Principal[] issuers) {
            return keys.getClientAliases(type, null);
          }

          @Override
          public String chooseClientAlias(String[] types, Principal[] issuers, Socket socket) {
            return keys.chooseClientAlias(types, null, socket);
          }

          @Override
          public String chooseEngineClientAlias(
              String[] types, Principal[] issuers, SSLEngine engine) {
            return keys.chooseEngineClientAlias(types, null, engine);
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
        };
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(new KeyManager[] {anyIssuer}, new TrustManager[] {credentials.trustManager()}, null);
    return HttpClient.newBuilder()
        .sslContext(tls)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** The serial number of the certificate the node at {@code url} presents now. */
  private static BigInteger servedSerial(String url) throws Exception {
    // A fresh client: a pooled connection would show the certificate of its own handshake.
    HttpClient fresh =
        client(ClientCredentials.load(secure.caCertificate(), null, null, null, n -> null));
    HttpResponse<String> r =
        fresh.send(
            HttpRequest.newBuilder(URI.create(url + "/health/live")).build(),
            HttpResponse.BodyHandlers.ofString());
    return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0])
        .getSerialNumber();
  }

  private static Map<String, String> bearer(String subject) {
    return Map.of("Authorization", "Bearer " + token(subject));
  }

  private static String token(String subject) {
    return issuer.issue(secure.issuer(), secure.audience(), subject, Duration.ofHours(1), Map.of());
  }

  private static String issuedAt(Instant at, String subject, Duration validity) throws Exception {
    return TokenIssuer.load(
            secure.directory().resolve("token-key.jwk"), Clock.fixed(at, ZoneOffset.UTC))
        .issue(secure.issuer(), secure.audience(), subject, validity, Map.of());
  }

  private static JWTClaimsSet claims(String subject) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(secure.issuer())
        .audience(secure.audience())
        .subject(subject)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
        .build();
  }

  private static String signedByAStranger() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger").generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID("stranger")
                .type(JOSEObjectType.JWT)
                .build(),
            claims("admin"));
    jwt.sign(new RSASSASigner(stranger));
    return jwt.serialize();
  }

  /** HMAC keyed with the published RSA key, as if it were a shared secret. */
  private static String hs256WithThePublicKey() throws Exception {
    RSAKey published =
        (RSAKey)
            JWKSet.parse(Files.readString(secure.jwksFile(), StandardCharsets.UTF_8))
                .getKeys()
                .get(0);
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(published.toRSAPublicKey().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID()).build(),
            claims("admin"));
    jwt.sign(new MACSigner(pem.getBytes(StandardCharsets.US_ASCII)));
    return jwt.serialize();
  }

  /** A good token with its payload swapped for one naming {@code subject}. */
  private static String tamperedTo(String subject, String token) {
    String[] parts = token.split("\\.");
    return parts[0] + "." + Base64URL.encode(claims(subject).toString()) + "." + parts[2];
  }
}
