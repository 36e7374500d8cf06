package io.fossil.server;

import io.fossil.placement.PlacementConfig;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpSecurity;
import io.fossil.security.RateLimiter;
import io.fossil.security.TokenVerifier;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The security options of {@code fossil node} (a picocli mixin; each also from its {@code FOSSIL_*}
 * variable or the configuration file): TLS material, permissions, bearer tokens, limits (rates,
 * connections, live tails, consumer waits, segments), CORS, or {@code --insecure}. {@link
 * #options()} and {@link #limits()} check them together; a mistake is an {@link
 * IllegalArgumentException} with a message for the command line.
 */
final class SecurityFlags {

  static final int DEFAULT_RATE = 10_000;
  static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  static final int DEFAULT_MAX_LIVE_TAILS = 1000;
  static final int DEFAULT_MAX_LIVE_TAILS_PER_PRINCIPAL = 100;

  @Option(
      names = "--tls-key",
      description =
          "this node's private key, PEM (tls.key). With --tls-cert, --tls-ca and --permissions: Raft"
              + " over mutual TLS, HTTPS with authentication, forwarding over mutual TLS")
  Path tlsKey;

  @Option(
      names = "--tls-cert",
      description =
          "this node's certificate chain, PEM, leaf first (tls.crt); its SANs name"
              + " urn:fossil:node:<node-id> and the hosts of its addresses")
  Path tlsCert;

  @Option(
      names = "--tls-ca",
      description =
          "the cluster CA's certificate, PEM (ca.crt): whom this node trusts, nodes and clients")
  Path tlsCa;

  @Option(
      names = "--permissions",
      description = "who may do what: a JSON file (docs/security.md), re-read when it changes")
  Path permissions;

  @Option(
      names = "--token-jwks",
      description =
          "where the public keys of bearer tokens are: file:/path/jwks.json or https://...;"
              + " without it only client certificates authenticate")
  String tokenJwks;

  @Option(names = "--token-issuer", description = "the iss every token must carry")
  String tokenIssuer;

  @Option(names = "--token-audience", description = "the aud every token must name")
  String tokenAudience;

  @Option(
      names = "--token-algorithms",
      split = ",",
      description = "signature algorithms accepted (default: ${DEFAULT-VALUE}; never none or HS*)")
  List<String> tokenAlgorithms = List.of("RS256", "ES256");

  @Option(
      names = "--rate-limit",
      description =
          "requests per second each principal may send, in bursts of up to twice that; 0 = no"
              + " limit (default: ${DEFAULT-VALUE})")
  int rateLimit = DEFAULT_RATE;

  @Option(
      names = "--max-connections",
      description = "open HTTP connections per node; 0 = no cap (default: ${DEFAULT-VALUE})")
  int maxConnections = DEFAULT_MAX_CONNECTIONS;

  @Option(
      names = "--max-live-tails",
      description =
          "live tails (GET /events/live) per node; 0 = no cap (default: ${DEFAULT-VALUE})")
  int maxLiveTails = DEFAULT_MAX_LIVE_TAILS;

  @Option(
      names = "--max-live-tails-per-principal",
      description = "live tails each principal may hold on a node (default: ${DEFAULT-VALUE})")
  int maxLiveTailsPerPrincipal = DEFAULT_MAX_LIVE_TAILS_PER_PRINCIPAL;

  @Option(
      names = "--max-consumer-waits",
      description =
          "open GET /consumers/{name}/wait long polls per node; 0 = no cap (default:"
              + " ${DEFAULT-VALUE})")
  int maxConsumerWaits = HttpApi.Options.DEFAULT_MAX_CONSUMER_WAITS;

  @Option(
      names = "--max-segments",
      description =
          "open segments the cluster may have; a split beyond it is refused (409 segment-cap)."
              + " Set it alike on every voter and only raise it; 0 = no cap (default:"
              + " ${DEFAULT-VALUE}, or --ring-segments if larger)")
  int maxSegments = PlacementConfig.DEFAULT_MAX_OPEN_SEGMENTS;

  @Option(
      names = "--cors-origin",
      description =
          "an origin (https://app.example.com) whose web pages may call this node; repeat for"
              + " more (default: none, no CORS header is ever sent)")
  List<String> corsOrigins = List.of();

  @Option(
      names = "--insecure",
      description =
          "run without TLS and without authentication, on purpose: anyone who reaches the node"
              + " can read, write and administer the cluster")
  boolean insecure;

  /**
   * The node's security. Without TLS and permissions and without {@code --insecure}, refuses: a
   * node is secure unless told otherwise.
   */
  SecurityOptions options() {
    boolean anyToken = tokenJwks != null || tokenIssuer != null || tokenAudience != null;
    TokenVerifier.Config tokens = null;
    if (anyToken) {
      if (tokenJwks == null || tokenIssuer == null || tokenAudience == null) {
        throw new IllegalArgumentException(
            "bearer tokens need all three of --token-jwks, --token-issuer and --token-audience");
      }
      URI jwks = URI.create(tokenJwks);
      Set<String> algorithms = new LinkedHashSet<>();
      for (String a : tokenAlgorithms) {
        algorithms.add(a.trim().toUpperCase(Locale.ROOT));
      }
      tokens = TokenVerifier.Config.of(tokenIssuer, tokenAudience, algorithms, jwks);
    }
    SecurityOptions options =
        new SecurityOptions(tlsKey, tlsCert, tlsCa, permissions, tokens, insecure);
    if (!options.tls() && !insecure) {
      throw new IllegalArgumentException(
          "fossil node runs with TLS and authentication unless told otherwise: give --tls-key,"
              + " --tls-cert, --tls-ca (PEM files; 'fossil certs' makes them) and --permissions"
              + " (and --token-jwks, --token-issuer, --token-audience for bearer tokens), or"
              + " --insecure to run without them on purpose");
    }
    return options;
  }

  /** The caps and rates of the HTTP API. */
  HttpSecurity.Limits limits() {
    return limits(rateLimit, maxConnections, maxLiveTails, maxLiveTailsPerPrincipal);
  }

  /** The defaults of {@link #limits()}: what {@code fossil dev --secure} runs with. */
  static HttpSecurity.Limits defaultLimits() {
    return limits(
        DEFAULT_RATE,
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_LIVE_TAILS,
        DEFAULT_MAX_LIVE_TAILS_PER_PRINCIPAL);
  }

  private static HttpSecurity.Limits limits(
      int rateLimit, int maxConnections, int maxLiveTails, int maxLiveTailsPerPrincipal) {
    if (rateLimit < 0) {
      throw new IllegalArgumentException("--rate-limit is 0 (none) or positive");
    }
    return new HttpSecurity.Limits(
        rateLimit == 0
            ? null
            : HttpSecurity.RequestRate.of(
                new RateLimiter(RateLimiter.Config.perSecond(rateLimit, 2L * rateLimit))),
        maxConnections,
        maxLiveTails,
        maxLiveTailsPerPrincipal);
  }

  /** {@code http} with this node's cap on consumer waits. */
  HttpApi.Options withWaitCap(HttpApi.Options http) {
    return http.withMaxConsumerWaits(maxConsumerWaits);
  }

  /** {@code placement} with the cluster's cap on open segments. */
  PlacementConfig withSegmentCap(PlacementConfig placement) {
    if (maxSegments != 0 && maxSegments < placement.ringSegments()) {
      throw new IllegalArgumentException(
          "--max-segments ("
              + maxSegments
              + ") is below --ring-segments ("
              + placement.ringSegments()
              + "): the ring would start over its cap");
    }
    return placement.withMaxOpenSegments(
        maxSegments == 0 ? 0 : Math.max(maxSegments, placement.ringSegments()));
  }

  Set<String> corsOrigins() {
    return Set.copyOf(corsOrigins);
  }
}
