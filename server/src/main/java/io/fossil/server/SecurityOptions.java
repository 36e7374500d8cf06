package io.fossil.server;

import java.nio.file.Path;

/**
 * How a node protects itself: its TLS material as three PEM files (what cert-manager writes as
 * {@code tls.key}, {@code tls.crt} and {@code ca.crt}: this node's private key, its certificate
 * chain, leaf first, naming it {@code urn:fossil:node:<id>} with SANs for the hosts others dial,
 * and the cluster's CA), or none. With the material, the placement group's Raft traffic runs over
 * mutual TLS and knows its callers by their certificates (ADR 27). {@code insecure} says that
 * running without it was asked for ({@code --insecure}); a node without material and without it is
 * still allowed to start for now.
 *
 * @param tlsKey this node's private key (PEM, PKCS#8 or PKCS#1/SEC1), or null
 * @param tlsCert this node's certificate chain (PEM), or null
 * @param tlsCa the certificates of the CA(s) this node trusts (PEM), or null
 * @param insecure no TLS, on purpose
 */
public record SecurityOptions(Path tlsKey, Path tlsCert, Path tlsCa, boolean insecure) {

  /** No TLS, as every node ran before TLS existed (and as {@code fossil dev} runs). */
  public static final SecurityOptions NONE = new SecurityOptions(null, null, null, false);

  /**
   * @throws IllegalArgumentException if only some of the three files are given, or files and {@code
   *     insecure} both
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
    if (given == 3 && insecure) {
      throw new IllegalArgumentException(
          "--insecure turns TLS off, but --tls-key, --tls-cert and --tls-ca turn it on: give one"
              + " or the other");
    }
  }

  /** Whether the TLS material is given. */
  public boolean tls() {
    return tlsKey != null;
  }
}
