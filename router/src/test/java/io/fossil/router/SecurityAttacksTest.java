package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.InProcessPlacement;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementView;
import io.fossil.position.GlobalPosition;
import io.fossil.position.SegmentId;
import io.fossil.security.Principal;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attack table of issue 32 against a real HTTPS API with real signed tokens: each row asserts
 * the status, the problem type (and the token's reason, the missing permission), and that nothing
 * changed: the store holds the same keys and values, no placement command was sent (except the
 * split past the segment cap, which placement itself refuses) and placement is as it was. Then an
 * unauthenticated flood from one address until it is rate-limited.
 */
class SecurityAttacksTest extends SecureApiTestServer {

  private static final String JSON_TYPE = "application/json";
  private static final String CURSOR_BODY = "{\"cursor\":\"x\"}";

  /** One attack: a request, and the problem it must get. */
  private record Attack(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      Map<String, String> headers,
      ProblemType expected,
      String detail) {}

  private final List<Attack> attacks = new ArrayList<>();

  /** Unauthenticated requests each address may send in this test: no refill. */
  private static final int ADDRESS_BUDGET = 100;

  private final AtomicInteger anonymous = new AtomicInteger();

  /**
   * Real placement behind the admin routes, at its cap of two open segments: any split is refused.
   */
  private final InProcessPlacement placement =
      new InProcessPlacement(new PlacementConfig(2, 1, 1_000, 2, 2), () -> 1_000);

  @Override
  HttpSecurity security() {
    HttpSecurity.RequestRate rate =
        new HttpSecurity.RequestRate() {
          @Override
          public Duration admit(Principal principal) {
            return Duration.ZERO;
          }

          @Override
          public Duration admit(InetAddress remote) {
            return anonymous.incrementAndGet() > ADDRESS_BUDGET
                ? Duration.ofSeconds(30)
                : Duration.ZERO;
          }
        };
    return super.security().withLimits(new HttpSecurity.Limits(rate, 0, 0, 0));
  }

  @Override
  HttpApi.Options options(HttpApi.Options plain) {
    return super.options(plain).withMaxConsumerWaits(1);
  }

  @BeforeEach
  void ownTheRing() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    placement.submit(new PlacementCommand.ReserveSequences("c", 1, 100)).join();
    placement.submit(new PlacementCommand.Register("n1", 1, "http://n1", "n1:9000")).join();
    node.placement = placement::submit;
  }

  @Test
  void everyAttackIsRefusedAndChangesNothing() throws Exception {
    String append = events(-1L, "a");
    // --- no or bad credentials: 401
    attack("no token", "POST", "/streams/orders-1", JSON_TYPE, append, Map.of(), 401, null);
    attack("no token on a read", "GET", "/streams/orders-1", null, null, Map.of(), 401, null);
    attack("no token on metrics", "GET", "/metrics", null, null, Map.of(), 401, null);
    attack(
        "basic auth",
        "POST",
        "/streams/orders-1",
        JSON_TYPE,
        append,
        Map.of("Authorization", "Basic YWxpY2U6c2VjcmV0"),
        401,
        null);
    tokenAttack("expired", claims(Map.of("exp", at(-3600))), "expired");
    tokenAttack("not yet valid", claims(Map.of("nbf", at(3600))), "not-yet-valid");
    tokenAttack("wrong audience", claims(Map.of("aud", "kafka")), "wrong-audience");
    tokenAttack("wrong issuer", claims(Map.of("iss", "https://evil.example")), "wrong-issuer");
    tokenAttack("alg none", new PlainJWT(claims("ops")).serialize(), "algorithm-not-allowed");
    tokenAttack(
        "HS256 signed with the RSA public key", hs256WithThePublicKey(), "algorithm-not-allowed");
    tokenAttack("unknown kid", signedByAStranger("k9"), "unknown-key");
    tokenAttack("a stranger's key with our kid", signedByAStranger("k1"), "bad-signature");
    tokenAttack("tampered payload", tamperedToOps(token("alice")), "bad-signature");
    tokenAttack("garbage", "not.a.jwt", "malformed");
    // --- a token for another prefix or without the permission: 403
    Map<String, String> mallory = bearer(token("mallory"));
    Map<String, String> alice = bearer(token("alice"));
    forbidden(
        "append",
        "POST",
        "/streams/orders-1",
        JSON_TYPE,
        append,
        mallory,
        "append on stream orders-1");
    forbidden(
        "stream read", "GET", "/streams/orders-1", null, null, mallory, "read on stream orders-1");
    forbidden(
        "cursor read",
        "GET",
        "/events?category=orders",
        null,
        null,
        mallory,
        "read on category orders");
    forbidden(
        "cursor read by prefix",
        "GET",
        "/events?prefix=orders-1",
        null,
        null,
        mallory,
        "read on prefix orders-1");
    forbidden(
        "live tail",
        "GET",
        "/events/live?category=orders",
        null,
        null,
        mallory,
        "read on category orders");
    forbidden(
        "consumer cursor put",
        "PUT",
        "/consumers/orders-view/cursor",
        JSON_TYPE,
        CURSOR_BODY,
        mallory,
        "consume on consumer orders-view");
    forbidden(
        "consumer cursor get",
        "GET",
        "/consumers/orders-view/cursor",
        null,
        null,
        mallory,
        "consume on consumer orders-view");
    forbidden(
        "consumer wait",
        "GET",
        "/consumers/orders-view/wait?position=x&timeout=0",
        null,
        null,
        mallory,
        "consume on consumer orders-view");
    forbidden(
        "consumer delete",
        "DELETE",
        "/consumers/orders-view",
        null,
        null,
        mallory,
        "consume on consumer orders-view");
    forbidden(
        "compaction without admin", "POST", "/admin/compaction", JSON_TYPE, null, alice, "admin");
    forbidden("voters without admin", "GET", "/admin/voters", null, null, alice, "admin");
    forbidden(
        "voter change without admin",
        "POST",
        "/admin/voters",
        JSON_TYPE,
        "{\"remove\": [\"n2\"]}",
        alice,
        "admin");
    forbidden(
        "split without admin",
        "POST",
        "/admin/segments/" + FakeNode.RING + "/split",
        JSON_TYPE,
        null,
        alice,
        "admin");
    forbidden(
        "merge without admin",
        "POST",
        "/admin/segments/merge?a=1&b=2",
        JSON_TYPE,
        null,
        alice,
        "admin");
    forbidden("cluster without admin", "GET", "/cluster", null, null, alice, "admin");
    forbidden("metrics without the permission", "GET", "/metrics", null, null, alice, "metrics");
    forbidden(
        "a principal with no grant",
        "POST",
        "/streams/orders-1",
        JSON_TYPE,
        append,
        bearer(token("eve")),
        "append on stream orders-1");
    // --- a cross-site form post: no Authorization and no JSON content type
    attack(
        "cross-site form post to an admin route",
        "POST",
        "/admin/compaction",
        "application/x-www-form-urlencoded",
        "a=1",
        Map.of("Origin", "https://evil.example"),
        403,
        ProblemType.CROSS_SITE_REQUEST,
        null);
    attack(
        "cross-site text/plain append",
        "POST",
        "/streams/orders-1",
        "text/plain",
        append,
        Map.of(),
        403,
        ProblemType.CROSS_SITE_REQUEST,
        null);
    attack(
        "bodyless admin post",
        "POST",
        "/admin/compaction",
        null,
        null,
        Map.of(),
        403,
        ProblemType.CROSS_SITE_REQUEST,
        null);
    // --- limits: a wait past the node's cap (one wait is held open below), a split past the
    // cluster's segment cap (placement refuses it in apply; its state stays the same)
    String position = new GlobalPosition(FakeNode.RING, 5).toString();
    attack(
        "too many consumer waits",
        "GET",
        "/consumers/orders-view-2/wait?position=" + position + "&timeout=0",
        null,
        null,
        alice,
        429,
        ProblemType.TOO_MANY_WAITS,
        null);
    SegmentId open = placement.view().join().segments().get(0).id();
    attack(
        "a split beyond the segment cap",
        "POST",
        "/admin/segments/" + open + "/split",
        JSON_TYPE,
        null,
        bearer(token("ops")),
        409,
        ProblemType.SEGMENT_CAP,
        null);

    CompletableFuture<HttpResponse<String>> held =
        client()
            .sendAsync(
                HttpRequest.newBuilder(
                        URI.create(
                            base
                                + "/consumers/orders-view/wait?position="
                                + position
                                + "&timeout=30000"))
                    .header("Authorization", "Bearer " + token("alice"))
                    .timeout(Duration.ofSeconds(40))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> node.consumers().waiting() == 1);

    List<String> before = node.contents();
    PlacementView placementBefore = placement.view().join();
    List<String> failures = new ArrayList<>();
    for (Attack a : attacks) {
      node.submitted.clear();
      Response r = call(client(), a.method(), a.path(), a.contentType(), a.body(), a.headers());
      try {
        JsonNode p = r.problem(a.expected().status(), a.expected());
        assertThat(r.raw().body()).doesNotContain("eyJ"); // no token echoed
        if (a.expected() == ProblemType.UNAUTHENTICATED) {
          assertUnauthenticated(r, a.detail());
        } else if (a.expected() == ProblemType.FORBIDDEN) {
          assertThat(p.path("permission").asText()).isEqualTo(a.detail());
          assertThat(r.header("WWW-Authenticate")).isNull();
        }
        assertThat(node.contents()).as("the store after").isEqualTo(before);
        if (a.expected() == ProblemType.SEGMENT_CAP) {
          assertThat(p.path("detail").asText()).contains("cap is 2 open segments");
        } else {
          assertThat(node.submitted).as("placement commands").isEmpty();
        }
        assertThat(placement.view().join()).as("placement after").isEqualTo(placementBefore);
      } catch (AssertionError e) {
        failures.add(a.name() + ": " + e.getMessage());
      }
    }
    assertThat(failures).isEmpty();
    assertThat(attacks).hasSizeGreaterThanOrEqualTo(30);
    assertThat(held).isNotDone();

    // --- an unauthenticated flood from one address: refused with 429 once its budget is spent
    Response flooded = null;
    for (int i = 0; i <= ADDRESS_BUDGET && flooded == null; i++) {
      Response r = call("POST", "/streams/orders-1", JSON_TYPE, append);
      if (r.status() != 401) {
        flooded = r;
      }
    }
    assertThat(flooded).as("a 429 within the budget").isNotNull();
    flooded.problem(429, ProblemType.RATE_LIMITED);
    assertThat(flooded.header("Retry-After")).isEqualTo("30");
    get("/health/live").problem(429, ProblemType.RATE_LIMITED);
    assertThat(node.contents()).isEqualTo(before);
    // A caller with credentials from the same address is not held back by the flood.
    assertThat(as("alice", "GET", "/streams/orders-1", null, null).status()).isEqualTo(200);
  }

  @Test
  void theRightPrincipalGetsThrough() {
    String alice = token("alice");
    Response appended =
        call(client(), "POST", "/streams/orders-1", JSON_TYPE, events(-1L, "a"), bearer(alice));
    assertThat(appended.status()).as(appended.raw().body()).isEqualTo(201);
    // The same token again (remembered), and a tampered copy of it (checked, refused).
    Response again =
        call(client(), "POST", "/streams/orders-1", JSON_TYPE, events(-1L, "a"), bearer(alice));
    assertThat(again.status()).as(again.raw().body()).isEqualTo(200);
    assertUnauthenticated(
        call(client(), "GET", "/streams/orders-1", null, null, bearer(tamperedToOps(alice))),
        "bad-signature");
    assertThat(as("alice", "GET", "/streams/orders-1", null, null).json().path("events"))
        .hasSize(1);
    assertThat(as("ops", "GET", "/metrics", null, null).status()).isEqualTo(200);
    assertThat(as("ops", "GET", "/cluster", null, null).status()).isEqualTo(200);
    // Health and the comparison of positions are open, without credentials.
    assertThat(get("/health/live").status()).isEqualTo(200);
    assertThat(get("/positions/compare?a=x&b=y").status()).isEqualTo(400);
  }

  /** A cursor read over streams partly outside the grants: only readable ones, cursor advances. */
  @Test
  void aCursorReadReturnsOnlyReadableStreamsAndStillAdvances() {
    as("alice", "POST", "/streams/orders-1", JSON_TYPE, events(-1L, "a"));
    as("mallory", "POST", "/streams/invoices-1", JSON_TYPE, events(-1L, "b"));
    as("alice", "POST", "/streams/orders-2", JSON_TYPE, events(-1L, "c"));

    JsonNode all = as("ops", "GET", "/events", null, null).json();
    JsonNode mine = as("alice", "GET", "/events", null, null).json();

    assertThat(all.path("events")).hasSize(3);
    assertThat(mine.path("events")).hasSize(2);
    mine.path("events").forEach(e -> assertThat(e.path("stream").asText()).startsWith("orders-"));
    assertThat(mine.path("cursor").asText()).isEqualTo(all.path("cursor").asText());
    JsonNode theirs =
        as("mallory", "GET", "/events?after=" + mine.path("cursor").asText(), null, null).json();
    assertThat(theirs.path("events")).isEmpty();
  }

  // ------------------------------------------------------------------ the table

  private void attack(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      Map<String, String> headers,
      int status,
      String reason) {
    attack(
        name,
        method,
        path,
        contentType,
        body,
        headers,
        status,
        ProblemType.UNAUTHENTICATED,
        reason);
  }

  private void attack(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      Map<String, String> headers,
      int status,
      ProblemType type,
      String detail) {
    assertThat(type.status()).isEqualTo(status);
    attacks.add(new Attack(name, method, path, contentType, body, headers, type, detail));
  }

  /** A bad token on an append, a stream read, and an admin route. */
  private void tokenAttack(String name, String token, String reason) {
    Map<String, String> h = bearer(token);
    attack(
        name + " (append)",
        "POST",
        "/streams/orders-1",
        JSON_TYPE,
        events(-1L, "z"),
        h,
        401,
        reason);
    attack(name + " (read)", "GET", "/streams/orders-1", null, null, h, 401, reason);
    attack(name + " (admin)", "POST", "/admin/compaction", JSON_TYPE, null, h, 401, reason);
  }

  private void tokenAttack(String name, JWTClaimsSet claims, String reason) throws Exception {
    tokenAttack(name, signWithOurKey(claims), reason);
  }

  private void forbidden(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      Map<String, String> headers,
      String permission) {
    attack(name, method, path, contentType, body, headers, 403, ProblemType.FORBIDDEN, permission);
  }

  // ------------------------------------------------------------------ forged tokens

  private static Date at(long secondsFromNow) {
    return Date.from(Instant.now().plusSeconds(secondsFromNow));
  }

  private static JWTClaimsSet claims(String subject) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject(subject)
        .issueTime(at(-10))
        .expirationTime(at(300))
        .build();
  }

  /** ops' claims with some changed ({@code exp}, {@code nbf}, {@code aud}, {@code iss}). */
  private static JWTClaimsSet claims(Map<String, Object> changed) {
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder(claims("ops"));
    changed.forEach(b::claim);
    return b.build();
  }

  /** The issuer's private key is not reachable from here: re-sign with a key loaded from it. */
  private static String signWithOurKey(JWTClaimsSet claims) throws Exception {
    Path privateJwk = dir.resolve("issuer.jwk");
    if (!java.nio.file.Files.exists(privateJwk)) {
      tokens.writePrivateKey(privateJwk);
    }
    RSAKey key = RSAKey.parse(read(privateJwk));
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static String signedByAStranger(String kid) throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID(kid).generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).type(JOSEObjectType.JWT).build(),
            claims("ops"));
    jwt.sign(new RSASSASigner(stranger));
    return jwt.serialize();
  }

  /** HMAC keyed with the published RSA key, as if it were a shared secret. */
  private static String hs256WithThePublicKey() throws Exception {
    RSAKey published = (RSAKey) JWKSet.parse(read(jwks)).getKeys().get(0);
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(published.toRSAPublicKey().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID()).build(),
            claims("ops"));
    jwt.sign(new MACSigner(pem.getBytes(StandardCharsets.US_ASCII)));
    return jwt.serialize();
  }

  /** alice's good token with its payload swapped for one naming ops. */
  private static String tamperedToOps(String token) {
    String[] parts = token.split("\\.");
    return parts[0] + "." + Base64URL.encode(claims("ops").toString()) + "." + parts[2];
  }
}
