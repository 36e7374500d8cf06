package io.fossil.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What a client of the HTTP API (the {@code fossil} CLI, the benchmarks, the chaos suite) presents
 * to a secure node, from the files a person has: the CA certificates to trust for {@code https}
 * URLs (PEM; none: the JDK's default trust store), optionally a client certificate chain and its
 * private key (PEM), and optionally a bearer token, from a file or the environment variable {@value
 * #TOKEN_ENVIRONMENT}. Everything is read once, in {@link #load}; nothing is reloaded.
 *
 * <p>Immutable and thread-safe. {@link #toString()} never shows the token, and no message of this
 * class quotes it or a key.
 */
public final class ClientCredentials {

  /** The environment variable that holds a bearer token when no token file is given. */
  public static final String TOKEN_ENVIRONMENT = "FOSSIL_TOKEN";

  private static final char[] IN_MEMORY_PASSWORD = "fossil".toCharArray();

  private final X509ExtendedTrustManager trust;
  private final X509ExtendedKeyManager keys;
  private final String token;
  private final String description;

  private ClientCredentials(
      X509ExtendedTrustManager trust, X509ExtendedKeyManager keys, String token, String about) {
    this.trust = trust;
    this.keys = keys;
    this.token = token;
    this.description = about;
  }

  /**
   * Reads the credentials. Every argument may be null, except that a certificate needs its key and
   * a key its certificate.
   *
   * @param caPem the CA certificates to trust; null: the JDK's default trust store
   * @param certificatePem a client certificate chain, leaf first
   * @param privateKeyPem the client certificate's private key
   * @param tokenFile a file holding the bearer token (surrounding white space is ignored); null:
   *     {@value #TOKEN_ENVIRONMENT} from {@code environment}, if set and not empty
   * @param environment looks up environment variables ({@code System::getenv})
   * @throws IllegalArgumentException if only one of certificate and key is given, or a token is
   *     empty or not one line of printable ASCII
   * @throws IOException if a file cannot be read
   * @throws GeneralSecurityException if a file does not parse, or the key is not the certificate's
   */
  public static ClientCredentials load(
      Path caPem,
      Path certificatePem,
      Path privateKeyPem,
      Path tokenFile,
      Function<String, String> environment)
      throws IOException, GeneralSecurityException {
    if ((certificatePem == null) != (privateKeyPem == null)) {
      throw new IllegalArgumentException(
          "a client certificate needs its private key, and a private key its certificate");
    }
    X509ExtendedTrustManager trust = trust(caPem == null ? null : authorities(caPem));
    X509ExtendedKeyManager keys =
        certificatePem == null ? null : keys(certificatePem, privateKeyPem);
    String token;
    String tokenSource;
    if (tokenFile != null) {
      token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      tokenSource = "the token file " + tokenFile;
    } else {
      String env = environment.apply(TOKEN_ENVIRONMENT);
      token = env == null || env.isBlank() ? null : env.strip();
      tokenSource = TOKEN_ENVIRONMENT;
    }
    if (token != null) {
      checkToken(token, tokenSource);
    }
    String about =
        "ClientCredentials[trust="
            + (caPem == null ? "JDK default" : caPem)
            + ", certificate="
            + (certificatePem == null ? "none" : certificatePem)
            + ", token="
            + (token == null ? "none" : "from " + tokenSource)
            + "]";
    return new ClientCredentials(trust, keys, token, about);
  }

  /** No token, no client certificate, the JDK's default trust store. */
  public static ClientCredentials none() throws GeneralSecurityException {
    return new ClientCredentials(
        trust(null), null, null, "ClientCredentials[trust=JDK default, certificate=none]");
  }

  /**
   * Trusts the CA file given to {@link #load} (PKIX, host names checked by the caller's client).
   */
  public X509ExtendedTrustManager trustManager() {
    return trust;
  }

  /** Presents the client certificate, if one was given. */
  public Optional<X509ExtendedKeyManager> keyManager() {
    return Optional.ofNullable(keys);
  }

  /**
   * A new {@code SSLContext} ("TLS": TLS 1.3 and 1.2) over {@link #trustManager()} and {@link
   * #keyManager()}, for the JDK's {@code HttpClient.Builder.sslContext}.
   */
  public SSLContext sslContext() throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : new KeyManager[] {keys}, new TrustManager[] {trust}, null);
    return context;
  }

  /** Whether a bearer token was given. */
  public boolean hasToken() {
    return token != null;
  }

  /**
   * The value of the {@code Authorization} header, {@code Bearer <token>}, if a token was given. Do
   * not log it.
   */
  public Optional<String> authorization() {
    return token == null ? Optional.empty() : Optional.of("Bearer " + token);
  }

  /** Where trust, certificate and token came from; never the token itself. */
  @Override
  public String toString() {
    return description;
  }

  /** RFC 6750's token68 characters: a token with anything else would not survive a header. */
  private static void checkToken(String token, String source) {
    if (token.isEmpty()) {
      throw new IllegalArgumentException(source + " is empty");
    }
    if (!token.matches("[A-Za-z0-9\\-._~+/]+=*")) {
      throw new IllegalArgumentException(
          source + " does not hold one bearer token (letters, digits and -._~+/ only)");
    }
  }

  private static KeyStore authorities(Path caPem) throws IOException, GeneralSecurityException {
    List<X509Certificate> authorities = PemFiles.readCertificates(caPem);
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < authorities.size(); i++) {
      store.setCertificateEntry("ca-" + i, authorities.get(i));
    }
    return store;
  }

  /** PKIX over {@code store}; null: the JDK's default trust store. */
  private static X509ExtendedTrustManager trust(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(store);
    return only(tmf.getTrustManagers(), X509ExtendedTrustManager.class);
  }

  private static X509ExtendedKeyManager keys(Path certificatePem, Path privateKeyPem)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = PemFiles.readCertificates(certificatePem);
    PrivateKey key = PemFiles.readPrivateKey(privateKeyPem);
    if (!KeyPairs.match(key, chain.get(0).getPublicKey())) {
      throw new GeneralSecurityException(
          privateKeyPem + " is not the key of the first certificate in " + certificatePem);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("client", key, IN_MEMORY_PASSWORD, chain.toArray(new X509Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(store, IN_MEMORY_PASSWORD);
    return only(kmf.getKeyManagers(), X509ExtendedKeyManager.class);
  }

  private static <T> T only(Object[] managers, Class<T> type) throws GeneralSecurityException {
    for (Object m : managers) {
      if (type.isInstance(m)) {
        return type.cast(m);
      }
    }
    throw new GeneralSecurityException("the JDK offers no " + type.getSimpleName());
  }
}
