package io.fossil.router;

import io.fossil.security.Principal;
import io.fossil.security.TokenRejectedException;
import io.fossil.security.TokenVerifier;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Learns who is calling, before any route runs (with {@link HttpSecurity} only): the principal of
 * an {@code Authorization: Bearer} token, or else of the client certificate the TLS handshake
 * verified (its {@code urn:fossil:client:} or {@code urn:fossil:node:} SAN URI). The principal is
 * kept on the request for {@link Authorization} and {@link RequestLimits}. A node that forwards an
 * append names the caller it is for in {@code Fossil-On-Behalf-Of}, and that caller is the
 * request's principal ({@link #onBehalfOf}); such a request is not rate-limited again ({@link
 * #forwarded}). The header is refused on every other request, also from a node. No credential, or
 * one that is refused, is a 401 {@code unauthenticated} with a {@code WWW-Authenticate: Bearer}
 * challenge ({@code error="invalid_token"} and the reason code when a token was sent); nothing
 * after this handler runs then. A refused request counts against its remote address's rate ({@link
 * RequestLimits#admitAnonymous}): over it, the answer is a 429 {@code rate-limited} instead, so a
 * caller guessing credentials is slowed down. {@code /health/live}, {@code /health/ready} and
 * {@code /positions/compare} are open (and rate-limited by address the same way, after this
 * handler).
 *
 * <p>Runs on the request's event loop; thread-safe. Verifying a token reads the key set from
 * memory; when the key set is stale (5 minutes by default) or a token names an unknown key, the
 * verifier loads it again on the calling thread, at most once per its refresh interval.
 */
final class Authentication implements Handler<RoutingContext> {

  private static final String PRINCIPAL = "fossil.principal";
  private static final String FORWARDED = "fossil.forwarded";

  /** Open routes: health, and the comparison of two positions (decided from the ids alone). */
  private static final Set<String> OPEN =
      Set.of(
          "/health/live",
          "/health/live/",
          "/health/ready",
          "/health/ready/",
          "/positions/compare",
          "/positions/compare/");

  private static final String BEARER = "bearer ";

  private final TokenVerifier tokens;
  private final boolean certificates;
  private final RequestLimits limits;

  /**
   * @param tokens the verifier of bearer tokens; null: tokens are refused
   * @param certificates whether client certificates are requested (TLS with a client CA)
   * @param limits counts refused requests against their remote address
   */
  Authentication(TokenVerifier tokens, boolean certificates, RequestLimits limits) {
    this.tokens = tokens;
    this.certificates = certificates;
    this.limits = limits;
  }

  /** The principal {@link Authentication} found; null on an open route or without security. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /**
   * Whether a node forwarded this request for the caller it names (the first node already counted
   * it against that caller's rate).
   */
  static boolean forwarded(RoutingContext ctx) {
    return Boolean.TRUE.equals(ctx.get(FORWARDED));
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (OPEN.contains(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    Principal caller;
    try {
      caller = authenticate(ctx);
    } catch (Problem refused) {
      limits.admitAnonymous(ctx);
      throw refused;
    }
    String named = ctx.request().getHeader(Forwarder.ON_BEHALF_OF);
    if (named != null && !isAppend(ctx)) {
      throw new Problem(
          ProblemType.FORBIDDEN,
          Forwarder.ON_BEHALF_OF
              + " comes only with an append a node forwards (POST /streams/{stream}); "
              + caller
              + " sent it on "
              + ctx.request().method()
              + " "
              + ctx.normalizedPath());
    }
    ctx.put(PRINCIPAL, onBehalfOf(caller, named));
    if (named != null) {
      ctx.put(FORWARDED, Boolean.TRUE);
    }
    ctx.next();
  }

  /**
   * Whether the request is an append, the only request {@link Forwarder} sends: a node certificate
   * may speak for someone else there and nowhere else (not on reads, cursor reads, consumers).
   */
  private static boolean isAppend(RoutingContext ctx) {
    return ctx.request().method().equals(HttpMethod.POST)
        && ctx.normalizedPath().startsWith(StreamPath.PREFIX);
  }

  /**
   * The principal a forwarded request is for: a node that forwards an append ({@link Forwarder})
   * names the caller it authenticated, and the owner authorizes that caller, not the node. Only a
   * node, known by its certificate, may name someone else; anyone else doing so is refused.
   */
  static Principal onBehalfOf(Principal caller, String named) {
    if (named == null) {
      return caller;
    }
    if (caller.kind() != Principal.Kind.NODE) {
      throw new Problem(
          ProblemType.FORBIDDEN,
          "only a Fossil node (by its certificate) may send "
              + Forwarder.ON_BEHALF_OF
              + "; "
              + caller
              + " is not one");
    }
    try {
      return Principal.parse(named);
    } catch (IllegalArgumentException e) {
      throw new Problem(
          ProblemType.BAD_REQUEST,
          Forwarder.ON_BEHALF_OF + " does not name a principal: " + e.getMessage());
    }
  }

  private Principal authenticate(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization != null) {
      return fromToken(authorization);
    }
    if (certificates && ctx.request().isSSL()) {
      Optional<Principal> p = fromCertificate(ctx);
      if (p.isPresent()) {
        return p.get();
      }
    }
    throw Failures.unauthenticated(
        "this request needs credentials: send 'Authorization: Bearer <token>'"
            + (certificates ? " or a client certificate from the cluster's CA" : ""));
  }

  private Principal fromToken(String authorization) {
    if (authorization.length() <= BEARER.length()
        || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      throw Failures.unauthenticated(
          "the Authorization header must be 'Bearer <token>' (no other scheme is accepted)");
    }
    if (tokens == null) {
      throw Failures.unauthenticated(
          "this node does not accept bearer tokens; authenticate with a client certificate");
    }
    try {
      return tokens.verify(authorization.substring(BEARER.length()).trim()).principal();
    } catch (TokenRejectedException e) {
      throw Failures.tokenRejected(e);
    }
  }

  /**
   * The principal of the chain the handshake verified; empty if the client sent none (Vert.x throws
   * then) or its certificate names no Fossil principal.
   */
  private static Optional<Principal> fromCertificate(RoutingContext ctx) {
    List<Certificate> chain;
    try {
      chain = ctx.request().connection().peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
    return Principal.fromCertificates(chain);
  }
}
