package io.fossil.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain (leaf first, then the CA) with the leaf's private key, as {@link
 * CertificateAuthority} issues it. Immutable. {@link #toString()} shows the leaf's subject, never
 * the key.
 */
public final class IssuedCertificate {

  private final PrivateKey privateKey;
  private final List<X509Certificate> chain;

  IssuedCertificate(PrivateKey privateKey, List<X509Certificate> chain) {
    this.privateKey = privateKey;
    this.chain = List.copyOf(chain);
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** Leaf first. */
  public List<X509Certificate> chain() {
    return chain;
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** Writes the chain ({@code tls.crt}) and, with mode 0600, the PKCS#8 key ({@code tls.key}). */
  public void write(Path chainPem, Path keyPem) throws IOException {
    PemFiles.writeCertificates(chainPem, chain);
    PemFiles.writePrivateKey(keyPem, privateKey);
  }

  @Override
  public String toString() {
    return "IssuedCertificate[" + leaf().getSubjectX500Principal().getName() + "]";
  }
}
