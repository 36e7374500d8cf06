package io.fossil.server;

import io.fossil.router.HttpSecurity;
import io.fossil.security.Authorizer;
import io.fossil.security.TokenVerifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;

/**
 * How a node protects itself (issue 32): its TLS material as three PEM files (what cert-manager
 * writes as {@code tls.key}, {@code tls.crt} and {@code ca.crt}: this node's private key, its
 * certificate chain, leaf first, naming it {@code urn:fossil:node:<id>} with SANs for the hosts
 * others dial, and the cluster's CA), the permissions file, and how bearer tokens are checked — or
 * none of it, on purpose ({@code --insecure}).
 *
 * <p>With the material, the placement group's Raft traffic runs over mutual TLS and knows its
 * callers by their certificates (ADR 27); the HTTP API serves HTTPS from the same files, asks for
 * client certificates from the same CA, authenticates every request but health by token or client
 * certificate and authorizes it from the permissions file; appends forwarded to their owner go over
 * mutual TLS with this node's certificate.
 *
 * @param tlsKey this node's private key (PEM, PKCS#8 or PKCS#1/SEC1), or null
 * @param tlsCert this node's certificate chain (PEM), or null
 * @param tlsCa the certificates of the CA(s) this node trusts (PEM), or null
 * @param permissions the permissions file (JSON, docs/security.md); required with TLS
 * @param tokens how bearer tokens are verified; null: only client certificates authenticate
 * @param insecure no TLS and no authentication, on purpose
 */
public record SecurityOptions(
    Path tlsKey,
    Path tlsCert,
    Path tlsCa,
    Path permissions,
    TokenVerifier.Config tokens,
    boolean insecure) {

  /**
   * No TLS and no authentication, without having asked for it: what {@code fossil dev} runs, on
   * loopback, and what tests of other things run.
   */
  public static final SecurityOptions NONE =
      new SecurityOptions(null, null, null, null, null, false);

  /** Runs without TLS and authentication because {@code --insecure} asked for it. */
  public static final SecurityOptions INSECURE =
      new SecurityOptions(null, null, null, null, null, true);

  /**
   * @throws IllegalArgumentException if only some of the three files are given; or permissions or
   *     tokens without TLS (a token sent in plain text is a token given away); or TLS without
   *     permissions; or any of them with {@code insecure}
   */
  public SecurityOptions {
    int given = (tlsKey != null ? 1 : 0) + (tlsCert != null ? 1 : 0) + (tlsCa != null ? 1 : 0);
    if (given != 0 && given != 3) {
      throw new IllegalArgumentException(
          "TLS needs all three of --tls-key, --tls-cert and --tls-ca; "
              + (tlsKey == null ? "--tls-key " : "")
              + (tlsCert == null ? "--tls-cert " : "")
              + (tlsCa == null ? "--tls-ca " : "")
              + "missing");
    }
    if (insecure && (given == 3 || permissions != null || tokens != null)) {
      throw new IllegalArgumentException(
          "--insecure turns TLS and authentication off, but "
              + (given == 3 ? "--tls-key, --tls-cert and --tls-ca" : "")
              + (given == 3 && (permissions != null || tokens != null) ? " and " : "")
              + (permissions != null ? "--permissions " : "")
              + (tokens != null ? "--token-jwks" : "")
              + " turn them on: give one or the other");
    }
    if (given == 0 && (permissions != null || tokens != null)) {
      throw new IllegalArgumentException(
          "--permissions and --token-* need TLS (--tls-key, --tls-cert, --tls-ca): over plain"
              + " HTTP every token would be readable on the wire");
    }
    if (given == 3 && permissions == null) {
      throw new IllegalArgumentException(
          "with TLS every request is authorized: --permissions names the file that says who may"
              + " do what (docs/security.md)");
    }
  }

  /** Whether the TLS material is given. */
  public boolean tls() {
    return tlsKey != null;
  }

  /**
   * The HTTP API's security from these options, or null without TLS. Loads the permissions file
   * (and nothing of the token keys yet: the verifier reads them at the first token).
   *
   * @throws IOException if the permissions file cannot be read or does not parse
   */
  public HttpSecurity http(HttpSecurity.Limits limits, Set<String> corsOrigins, Clock clock)
      throws IOException {
    if (!tls()) {
      return null;
    }
    return new HttpSecurity(
        HttpSecurity.Tls.of(tlsCert, tlsKey, tlsCa),
        tokens == null ? null : new TokenVerifier(tokens, clock),
        Authorizer.load(permissions),
        limits,
        corsOrigins);
  }

  /** What {@code /health/ready} and the log say about a node started with {@code --insecure}. */
  String warning() {
    return insecure
        ? "started with --insecure: no TLS and no authentication; anyone who reaches this node can"
            + " read, write and administer the cluster"
        : null;
  }
}
