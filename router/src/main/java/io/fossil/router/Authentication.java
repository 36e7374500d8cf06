package io.fossil.router;

import io.fossil.security.Principal;
import io.fossil.security.TokenRejectedException;
import io.fossil.security.TokenVerifier;
import io.vertx.core.Handler;
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
 * kept on the request for {@link Authorization} and {@link RequestLimits}. No credential, or one
 * that is refused, is a 401 {@code unauthenticated} with a {@code WWW-Authenticate: Bearer}
 * challenge ({@code error="invalid_token"} and the reason code when a token was sent); nothing
 * after this handler runs then. {@code /health/live}, {@code /health/ready} and {@code
 * /positions/compare} are open.
 *
 * <p>Runs on the request's event loop; thread-safe. Verifying a token reads the key set from
 * memory; when the key set is stale (5 minutes by default) or a token names an unknown key, the
 * verifier loads it again on the calling thread, at most once per its refresh interval.
 */
final class Authentication implements Handler<RoutingContext> {

  private static final String PRINCIPAL = "fossil.principal";

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

  /**
   * @param tokens the verifier of bearer tokens; null: tokens are refused
   * @param certificates whether client certificates are requested (TLS with a client CA)
   */
  Authentication(TokenVerifier tokens, boolean certificates) {
    this.tokens = tokens;
    this.certificates = certificates;
  }

  /** The principal {@link Authentication} found; null on an open route or without security. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (OPEN.contains(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    ctx.put(PRINCIPAL, authenticate(ctx));
    ctx.next();
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
