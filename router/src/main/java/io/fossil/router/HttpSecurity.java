package io.fossil.router;

import io.fossil.security.Authorizer;
import io.fossil.security.Principal;
import io.fossil.security.RateLimiter;
import io.fossil.security.TokenVerifier;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How an {@link HttpApi} protects itself (issue 32, items 2–4 and 6): TLS, who may call
 * (authentication by bearer token or client certificate), what each caller may do (the {@link
 * Authorizer}), and limits. Without one ({@link HttpApi.Options#security()} null) the API is the
 * insecure one it always was. Immutable.
 *
 * <p>With security every request but {@code /health/live} and {@code /health/ready} needs a
 * principal: a valid {@code Authorization: Bearer} token (checked by {@link #tokens()}) or, over
 * TLS with a {@link Tls#clientCa()}, a client certificate naming {@code urn:fossil:client:<name>}
 * or {@code urn:fossil:node:<id>} (a token, when sent, wins). A missing or refused credential is a
 * 401 with {@code WWW-Authenticate}; a missing permission a 403 naming it; neither changes
 * anything.
 *
 * <p>Permissions by route: append to a stream needs {@code append} on it; stream reads {@code read}
 * on the stream; cursor reads and live tails {@code read} on some stream of the requested category
 * or prefix (403 when none), and return only the streams the principal may read (the cursor still
 * advances past the others); {@code /consumers/{name}/…} needs {@code consume} on the name; {@code
 * /admin/…} and {@code /cluster} (which shows members, addresses and incarnations) need {@code
 * admin}; {@code /metrics} needs {@code metrics}; {@code /positions/compare} any principal.
 *
 * @param tls serve HTTPS from PEM files (null: plain HTTP)
 * @param tokens verifies bearer tokens (null: tokens are refused; then {@code tls} must request
 *     client certificates)
 * @param authorizer decides what each principal may do
 * @param limits caps on request rates, connections and live tails
 * @param corsOrigins the origins a browser may call from (CORS); empty: no {@code Access-Control-*}
 *     header is ever sent
 */
public record HttpSecurity(
    Tls tls, TokenVerifier tokens, Authorizer authorizer, Limits limits, Set<String> corsOrigins) {

  public HttpSecurity {
    Objects.requireNonNull(authorizer, "authorizer");
    Objects.requireNonNull(limits, "limits");
    corsOrigins = Set.copyOf(corsOrigins);
    if (tokens == null && (tls == null || tls.clientCa() == null)) {
      throw new IllegalArgumentException(
          "security needs a way to authenticate: a token verifier, or TLS with a client CA");
    }
    for (String origin : corsOrigins) {
      if (origin.equals("*") || !origin.matches("https?://[^/\\s*]+")) {
        throw new IllegalArgumentException(
            "a CORS origin is scheme://host[:port] (no '*', no path), was '" + origin + "'");
      }
    }
  }

  /** TLS with these files and authentication by token, no limits, no CORS. */
  public static HttpSecurity of(Tls tls, TokenVerifier tokens, Authorizer authorizer) {
    return new HttpSecurity(tls, tokens, authorizer, Limits.NONE, Set.of());
  }

  public HttpSecurity withLimits(Limits limits) {
    return new HttpSecurity(tls, tokens, authorizer, limits, corsOrigins);
  }

  public HttpSecurity withCorsOrigins(Set<String> origins) {
    return new HttpSecurity(tls, tokens, authorizer, limits, origins);
  }

  /**
   * HTTPS from PEM files as cert-manager writes them ({@code tls.crt}, {@code tls.key}, {@code
   * ca.crt}), HTTP/2 offered through ALPN. The files are checked every {@code reloadInterval} and a
   * change is applied to new handshakes without a restart; a change that does not load keeps the
   * previous certificate (and is logged).
   *
   * @param certificateChain the server's certificate chain, leaf first
   * @param privateKey its private key (PKCS#8, PKCS#1 or SEC1)
   * @param clientCa the CAs whose client certificates are accepted; null: none is asked for. A
   *     client certificate is requested, not required (a token works too); one from another CA
   *     fails the handshake
   */
  public record Tls(
      Path certificateChain, Path privateKey, Path clientCa, Duration reloadInterval) {

    public Tls {
      Objects.requireNonNull(certificateChain, "certificateChain");
      Objects.requireNonNull(privateKey, "privateKey");
      if (reloadInterval.compareTo(Duration.ofMillis(100)) < 0) {
        throw new IllegalArgumentException("reloadInterval is at least 100 ms");
      }
    }

    /** Checked for changes every 10 seconds. */
    public static Tls of(Path certificateChain, Path privateKey, Path clientCa) {
      return new Tls(certificateChain, privateKey, clientCa, Duration.ofSeconds(10));
    }
  }

  /**
   * Caps that keep one caller, or many, from exhausting a node. A request over the principal's rate
   * (or, without a principal, over its remote address's) is a 429 {@code rate-limited} with {@code
   * Retry-After}; a live tail over the node's or the principal's cap a 429 {@code
   * too-many-live-tails}; a connection over the node's cap gets one 503 {@code
   * too-many-connections} answer and is closed. The cap on consumer waits, which applies without
   * security too, is {@link HttpApi.Options#maxConsumerWaits()}.
   *
   * @param rate request rates per principal and, for requests without one, per remote address
   *     (null: none). Node principals ({@code node:*}) are not rate-limited: they forward other
   *     callers' requests
   * @param maxConnections open connections per node (0: no cap)
   * @param maxLiveTails live tails per node (0: no cap)
   * @param maxLiveTailsPerPrincipal live tails per principal on this node (0: no cap)
   */
  public record Limits(
      RequestRate rate, int maxConnections, int maxLiveTails, int maxLiveTailsPerPrincipal) {

    public static final Limits NONE = new Limits(null, 0, 0, 0);

    public Limits {
      if (maxConnections < 0 || maxLiveTails < 0 || maxLiveTailsPerPrincipal < 0) {
        throw new IllegalArgumentException("a cap is 0 (none) or positive");
      }
    }
  }

  /**
   * Request rates, such as a token bucket per principal and one per remote address ({@code
   * security}'s rate limiter). {@link #admit(Principal)} is called once per authenticated request
   * (except from {@code node:*} principals), {@link #admit(InetAddress)} once per request without a
   * principal (open routes, refused credentials); both on an event loop: they must not block.
   */
  @FunctionalInterface
  public interface RequestRate {

    /**
     * Takes one request from {@code principal}'s allowance: {@link Duration#ZERO} if it was there,
     * otherwise how long until it will be (the request is refused, nothing taken).
     */
    Duration admit(Principal principal);

    /**
     * Takes one request from the allowance of the unauthenticated callers at {@code remote}, as
     * {@link #admit(Principal)}; by default unlimited.
     */
    default Duration admit(InetAddress remote) {
      return Duration.ZERO;
    }

    /**
     * The rates of {@code security}'s token buckets: one per principal, and one per remote address
     * for requests without a principal, each with the limiter's rate.
     */
    static RequestRate of(RateLimiter limiter) {
      Objects.requireNonNull(limiter, "limiter");
      return new RequestRate() {
        @Override
        public Duration admit(Principal principal) {
          return delay(limiter.tryAcquire(principal));
        }

        @Override
        public Duration admit(InetAddress remote) {
          return delay(limiter.tryAcquire(remote));
        }
      };
    }

    private static Duration delay(RateLimiter.Admission admission) {
      return admission instanceof RateLimiter.Admission.Limited limited
          ? limited.delay()
          : Duration.ZERO;
    }
  }
}
