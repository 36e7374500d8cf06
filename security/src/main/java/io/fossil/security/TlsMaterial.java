package io.fossil.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A node's (or client's) TLS material from three PEM files: its private key, its certificate chain
 * (leaf first) and the CA certificates it trusts (what cert-manager writes as {@code tls.key},
 * {@code tls.crt} and {@code ca.crt}). {@link #keyManager()} and {@link #trustManager()} stay the
 * same objects for the material's whole life and delegate every call to the material loaded last,
 * so a server, a Ratis {@code GrpcTlsConfig} or a client built once picks up rotated files in its
 * next handshake; connections already open keep the certificate they started with.
 *
 * <p>Nothing watches the files: the owner calls {@link #reloadIfChanged()} on its own schedule
 * (every 10 s, say). It compares the SHA-256 of the three files' content, so it sees Kubernetes'
 * {@code ..data} symlink swap, and it refuses a key that does not belong to the certificate (a
 * half-written rotation), keeping the previous material. The trust manager is the JDK's PKIX one
 * with every overload delegated, so hostname verification and the client-auth checks of an {@code
 * SSLEngine} or {@code SSLSocket} still run.
 *
 * <p>Thread-safe: handshakes may run on any thread while another reloads.
 */
public final class TlsMaterial {

  private static final char[] IN_MEMORY_PASSWORD = "fossil".toCharArray();

  private final List<Path> files;
  private final AtomicLong generations = new AtomicLong();
  private final ReloadingKeyManager keyManager = new ReloadingKeyManager(this);
  private final ReloadingTrustManager trustManager = new ReloadingTrustManager(this);
  private volatile Snapshot current;
  private volatile Snapshot previous;
  private byte[] refusedDigest;

  /** One consistent load of the three files. */
  record Snapshot(
      String alias,
      X509ExtendedKeyManager keys,
      X509ExtendedTrustManager trust,
      List<X509Certificate> chain,
      List<X509Certificate> authorities,
      byte[] digest) {}

  private TlsMaterial(List<Path> files) {
    this.files = files;
  }

  /**
   * Loads the material; the files must be consistent now.
   *
   * @throws GeneralSecurityException if a file does not parse, or the key does not belong to the
   *     leaf certificate
   */
  public static TlsMaterial load(Path privateKeyPem, Path certificateChainPem, Path caPem)
      throws IOException, GeneralSecurityException {
    TlsMaterial m =
        new TlsMaterial(
            List.of(
                Objects.requireNonNull(privateKeyPem),
                Objects.requireNonNull(certificateChainPem),
                Objects.requireNonNull(caPem)));
    m.current = m.build(FileContent.read(m.files));
    return m;
  }

  /**
   * Re-reads the files and switches to their content if it changed and is consistent. A refused
   * content is reported once, not at every call, until the files change again.
   */
  public synchronized Reload reloadIfChanged() {
    FileContent content;
    try {
      content = FileContent.read(files);
    } catch (IOException e) {
      return new Reload.Failed("cannot read the TLS files: " + e);
    }
    if (content.sameDigest(current.digest()) || content.sameDigest(refusedDigest)) {
      return Reload.UNCHANGED;
    }
    try {
      Snapshot next = build(content);
      previous = current;
      current = next;
      refusedDigest = null;
      return Reload.APPLIED;
    } catch (GeneralSecurityException e) {
      refusedDigest = content.digest;
      return new Reload.Failed(e.getMessage());
    }
  }

  /** Presents the current key and chain; the same object for the material's whole life. */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** Trusts the current CA file (PKIX); the same object for the material's whole life. */
  public X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /**
   * A new {@code SSLContext} ("TLS": TLS 1.3 and 1.2) over {@link #keyManager()} and {@link
   * #trustManager()}. Whether the peer must present a certificate, and which host name to verify,
   * are set on the engine or socket ({@code setNeedClientAuth}, {@code
   * setEndpointIdentificationAlgorithm("HTTPS")}).
   */
  public SSLContext newSslContext() throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {keyManager}, new TrustManager[] {trustManager}, null);
    return context;
  }

  /** The leaf certificate presented now. */
  public X509Certificate certificate() {
    return current.chain().get(0);
  }

  /** The CA certificates trusted now. */
  public List<X509Certificate> authorities() {
    return current.authorities();
  }

  Snapshot current() {
    return current;
  }

  /** The snapshot that handed out {@code alias}: the current one, or the one before it. */
  Snapshot byAlias(String alias) {
    Snapshot c = current;
    if (c.alias().equals(alias)) {
      return c;
    }
    Snapshot p = previous;
    return p != null && p.alias().equals(alias) ? p : null;
  }

  private Snapshot build(FileContent content) throws GeneralSecurityException {
    PrivateKey key = PemFiles.parsePrivateKey(content.bytes.get(0), files.get(0).toString());
    List<X509Certificate> chain =
        PemFiles.parseCertificates(content.bytes.get(1), files.get(1).toString());
    List<X509Certificate> authorities =
        PemFiles.parseCertificates(content.bytes.get(2), files.get(2).toString());
    if (!KeyPairs.match(key, chain.get(0).getPublicKey())) {
      throw new GeneralSecurityException(
          files.get(0) + " is not the key of the first certificate in " + files.get(1));
    }
    // A new alias per load: a handshake that chose an alias before a reload still gets the
    // chain and key of that same load (see ReloadingKeyManager).
    String alias = "fossil-" + generations.incrementAndGet();
    try {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(null, null);
      keyStore.setKeyEntry(alias, key, IN_MEMORY_PASSWORD, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
      kmf.init(keyStore, IN_MEMORY_PASSWORD);
      KeyStore trustStore = KeyStore.getInstance("PKCS12");
      trustStore.load(null, null);
      for (int i = 0; i < authorities.size(); i++) {
        trustStore.setCertificateEntry("ca-" + i, authorities.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(trustStore);
      return new Snapshot(
          alias,
          only(kmf.getKeyManagers(), X509ExtendedKeyManager.class),
          only(tmf.getTrustManagers(), X509ExtendedTrustManager.class),
          chain,
          authorities,
          content.digest);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot build an in-memory key store", e);
    }
  }

  private static <T> T only(Object[] managers, Class<T> type) throws GeneralSecurityException {
    for (Object m : managers) {
      if (type.isInstance(m)) {
        return type.cast(m);
      }
    }
    throw new GeneralSecurityException("the JDK offers no " + type.getSimpleName());
  }

  @Override
  public String toString() {
    return "TlsMaterial[" + certificate().getSubjectX500Principal().getName() + "]";
  }
}
