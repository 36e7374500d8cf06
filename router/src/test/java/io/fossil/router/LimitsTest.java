package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.owner.SegmentAppender;
import io.fossil.security.Principal;
import io.fossil.security.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The limits of {@link HttpSecurity.Limits} and the CORS default: a per-principal token bucket on
 * an injected clock (429 with Retry-After, nothing changed), the cap on live tails per principal,
 * and no {@code Access-Control-*} header unless origins are configured.
 */
class LimitsTest extends SecureApiTestServer {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final Map<Object, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * Three requests a minute per principal, and per remote address for requests without one,
   * refilled smoothly, on the test's clock.
   */
  private final HttpSecurity.RequestRate rate =
      new HttpSecurity.RequestRate() {
        @Override
        public Duration admit(Principal principal) {
          return LimitsTest.this.admit(principal);
        }

        @Override
        public Duration admit(InetAddress remote) {
          return LimitsTest.this.admit(remote);
        }
      };

  private Duration admit(Object key) {
    Bucket bucket =
        buckets.computeIfAbsent(
            key,
            k ->
                Bucket.builder()
                    .addLimit(l -> l.capacity(3).refillGreedy(3, Duration.ofMinutes(1)))
                    .withCustomTimePrecision(
                        new TimeMeter() {
                          @Override
                          public long currentTimeNanos() {
                            Instant now = clock.instant();
                            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                          }

                          @Override
                          public boolean isWallClockBased() {
                            return true;
                          }
                        })
                    .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill());
  }

  @Override
  HttpSecurity security() {
    return super.security().withLimits(new HttpSecurity.Limits(rate, 0, 10, 1));
  }

  @Test
  void aPrincipalOverItsRateGets429WithRetryAfterAndChangesNothing() {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    for (int i = 0; i < 3; i++) {
      assertThat(as("alice", "GET", "/streams/orders-1", null, null).status()).isEqualTo(200);
    }
    List<String> before = node.contents();

    Response refused =
        as("alice", "POST", "/streams/orders-1", "application/json", events(-1L, "a"));

    refused.problem(429, ProblemType.RATE_LIMITED);
    assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 20);
    assertThat(node.contents()).isEqualTo(before);
    // Another principal has its own allowance; alice's comes back with time.
    assertThat(as("ops", "GET", "/streams/orders-1", null, null).status()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(20));
    Response later = as("alice", "POST", "/streams/orders-1", "application/json", events(-1L, "a"));
    assertThat(later.status()).as(later.raw().body()).isEqualTo(201);
  }

  @Test
  void unauthenticatedRequestsAreRateLimitedByTheirAddress() {
    // Open routes and refused credentials draw on the address's allowance of three.
    assertThat(get("/health/live").status()).isEqualTo(200);
    assertThat(get("/positions/compare?a=x&b=y").status()).isEqualTo(400);
    assertUnauthenticated(get("/streams/orders-1"), null);
    List<String> before = node.contents();

    Response flooded = call("POST", "/streams/orders-1", "application/json", events(-1L, "a"));
    Response open = get("/health/live");

    for (Response r : List.of(flooded, open)) {
      r.problem(429, ProblemType.RATE_LIMITED);
      assertThat(Integer.parseInt(r.header("Retry-After"))).isBetween(1, 20);
      assertThat(r.json().path("detail").asText()).contains("127.0.0.1");
    }
    assertThat(node.contents()).isEqualTo(before);
    // A caller with credentials at the same address has its own allowance.
    assertThat(as("alice", "GET", "/streams/orders-1", null, null).status()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(20));
    assertThat(get("/health/live").status()).isEqualTo(200);
  }

  @Test
  void aNodePrincipalIsNotRateLimited() throws Exception {
    HttpClient asNode = client(context(serverCertificate("n2"), ca));
    for (int i = 0; i < 6; i++) {
      // n2 has no grant: each request is refused for its permission, never for its rate.
      Response r = call(asNode, "GET", "/streams/orders-1", null, null, Map.of());
      r.problem(403, ProblemType.FORBIDDEN);
    }
  }

  @Test
  void securitysRateLimiterIsARequestRate() {
    HttpSecurity.RequestRate rate =
        HttpSecurity.RequestRate.of(
            new RateLimiter(
                new RateLimiter.Config(1, 1, Duration.ofHours(1), Duration.ofHours(1), 10)));

    assertThat(rate.admit(Principal.token("alice"))).isEqualTo(Duration.ZERO);
    assertThat(rate.admit(Principal.token("alice"))).isPositive();
    assertThat(rate.admit(Principal.token("ops"))).isEqualTo(Duration.ZERO);
    InetAddress remote = InetAddress.getLoopbackAddress();
    assertThat(rate.admit(remote)).isEqualTo(Duration.ZERO);
    assertThat(rate.admit(remote)).isPositive();
  }

  @Test
  void aSecondLiveTailOverThePrincipalsCapIs429UntilTheFirstCloses() throws Exception {
    HttpClient http1 =
        HttpClient.newBuilder()
            .sslContext(trustingClient)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    HttpResponse<Stream<String>> first = openTail(http1, "alice");
    assertThat(first.statusCode()).isEqualTo(200);

    Response second = as("alice", "GET", "/events/live?category=orders", null, null);

    second.problem(429, ProblemType.TOO_MANY_LIVE_TAILS);
    assertThat(second.header("Retry-After")).isNotNull();
    // The cap is per principal: mallory may still tail her own streams.
    HttpResponse<Stream<String>> hers = openTail(http1, "mallory");
    assertThat(hers.statusCode()).isEqualTo(200);
    hers.body().close();

    first.body().close();
    // The server notices the closed tail asynchronously: alice may tail again once it has.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              HttpResponse<Stream<String>> again = openTail(http1, "alice");
              again.body().close();
              return again.statusCode() == 200;
            });
  }

  private HttpResponse<Stream<String>> openTail(HttpClient http, String who) throws Exception {
    String category = who.equals("mallory") ? "invoices" : "orders";
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/events/live?category=" + category))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token(who))
            .build(),
        HttpResponse.BodyHandlers.ofLines());
  }

  @Test
  void corsIsOffUnlessOriginsAreConfigured() throws Exception {
    Map<String, String> fromAPage = Map.of("Origin", "https://app.example");
    Response plain =
        call(client(), "GET", "/streams/orders-1", null, null, withToken(fromAPage, "alice"));
    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.raw().headers().map().keySet())
        .noneMatch(h -> h.toLowerCase().startsWith("access-control-"));

    HttpApi withCors =
        new HttpApi(
            runtime(),
            node,
            HttpApi.Options.defaults("127.0.0.1", 0)
                .withSecurity(security().withCorsOrigins(Set.of("https://app.example"))));
    int port = withCors.start().join();
    try {
      String other = "https://127.0.0.1:" + port;
      HttpResponse<String> allowed = get(other, withToken(fromAPage, "alice"));
      HttpResponse<String> foreign =
          get(other, withToken(Map.of("Origin", "https://evil.example"), "alice"));
      assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin"))
          .hasValue("https://app.example");
      assertThat(foreign.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    } finally {
      withCors.stop().join();
    }
  }

  private static Map<String, String> withToken(Map<String, String> headers, String who) {
    Map<String, String> h = new java.util.HashMap<>(headers);
    h.putAll(bearer(token(who)));
    return h;
  }

  private HttpResponse<String> get(String base, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/streams/orders-1"))
            .timeout(Duration.ofSeconds(5));
    headers.forEach(b::header);
    return client().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
