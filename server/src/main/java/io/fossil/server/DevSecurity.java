package io.fossil.server;

import io.fossil.security.CertificateAuthority;
import io.fossil.security.IssuedCertificate;
import io.fossil.security.TlsMaterial;
import io.fossil.security.TokenIssuer;
import io.fossil.security.TokenRejectedException;
import io.fossil.security.TokenVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials {@code fossil dev --secure} runs with, kept under {@code DATA/secure/} (mode 0700
 * where POSIX):
 *
 * <ul>
 *   <li>{@code ca.pem}, {@code ca.key}: a local CA (the key 0600);
 *   <li>{@code nI/tls.crt}, {@code nI/tls.key}: node {@code nI}'s certificate chain and key, naming
 *       {@code urn:fossil:node:nI}, {@code localhost}, {@code 127.0.0.1} and the given hosts;
 *   <li>{@code token-key.jwk} (0600), {@code jwks.json}: the token signing key and its public set;
 *   <li>{@code permissions.json}: {@code token:admin} may do everything, nodes may administer;
 *   <li>{@code admin.token} (0600): a token for subject {@code admin}, {@link #ISSUER}, {@link
 *       #AUDIENCE}, valid for 30 days.
 * </ul>
 *
 * {@link #prepare} reuses what is there while it is valid for at least another day (certificates:
 * 30 days) and still matches (a node certificate chains to the CA and names every host asked for;
 * the admin token verifies with the current key set), and replaces the rest; a {@code
 * permissions.json} that exists is kept as the user may have edited it. Progress is logged by file
 * name; no key or token is ever logged. Not thread-safe: one process prepares a data directory at a
 * time. Failures are {@link IOException} (files) or {@link GeneralSecurityException} (the JCA).
 */
public final class DevSecurity {

  private static final Logger LOG = LoggerFactory.getLogger(DevSecurity.class);

  /** The {@code iss} of the dev cluster's tokens, which its nodes require. */
  public static final String ISSUER = "fossil-dev";

  /** The {@code aud} of the dev cluster's tokens, which its nodes require. */
  public static final String AUDIENCE = "fossil";

  /** The algorithm the dev token key signs with. */
  public static final String ALGORITHM = "RS256";

  /** The subject of {@code admin.token}: {@code token:admin} in the permissions file. */
  public static final String ADMIN_SUBJECT = "admin";

  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration NODE_VALIDITY = Duration.ofDays(365);
  static final Duration CERTIFICATE_RENEWAL = Duration.ofDays(30);
  static final Duration ADMIN_TOKEN_VALIDITY = Duration.ofDays(30);
  static final Duration ADMIN_TOKEN_RENEWAL = Duration.ofDays(1);

  private static final String PERMISSIONS =
      """
      {
        "version": 1,
        "grants": [
          { "principals": ["token:admin"],
            "read": ["*"], "append": ["*"], "consume": ["*"], "admin": true, "metrics": true },
          { "principals": ["node:*"], "admin": true }
        ]
      }
      """;

  /**
   * One node's TLS files, as {@code fossil node --tls-key/--tls-cert/--tls-ca} take them.
   *
   * @param id the node id ({@code n1}, ...)
   * @param key its private key (PEM, 0600)
   * @param certificate its certificate chain, leaf first (PEM)
   * @param ca the CA certificate it trusts ({@code ca.pem})
   */
  public record NodeFiles(String id, Path key, Path certificate, Path ca) {}

  private final Path directory;
  private final List<NodeFiles> nodes;

  private DevSecurity(Path directory, List<NodeFiles> nodes) {
    this.directory = directory;
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Creates, or reuses while valid and matching, the credentials of a dev cluster of {@code nodes}
   * nodes ({@code n1..nN}) under {@code data/secure/}, their certificates naming {@code localhost},
   * {@code 127.0.0.1} and {@code hosts} (DNS names or IP literals).
   *
   * @throws IllegalArgumentException if {@code nodes} is below 1 or a host is neither an IP address
   *     nor a DNS name
   */
  public static DevSecurity prepare(Path data, int nodes, List<String> hosts, Clock clock)
      throws IOException, GeneralSecurityException {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(clock, "clock");
    if (nodes < 1) {
      throw new IllegalArgumentException("a dev cluster has at least one node, not " + nodes);
    }
    List<String> all = new ArrayList<>(List.of("localhost", "127.0.0.1"));
    all.addAll(hosts);
    SubjectNames names = SubjectNames.of(all);
    Files.createDirectories(data);
    Path dir = data.resolve("secure");
    PrivateDirectory.create(dir);
    Instant now = clock.instant();

    CertificateAuthority ca = authority(dir, clock, now);
    Path caPem = dir.resolve("ca.pem");
    List<NodeFiles> files = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      String id = "n" + i;
      Path nodeDir = dir.resolve(id);
      NodeFiles node =
          new NodeFiles(id, nodeDir.resolve("tls.key"), nodeDir.resolve("tls.crt"), caPem);
      if (!nodeCertificateFits(node, ca.certificate(), names, now)) {
        PrivateDirectory.create(nodeDir);
        IssuedCertificate cert =
            ca.issueNode(id, names.dnsNames(), names.addresses(), NODE_VALIDITY);
        cert.write(node.certificate(), node.key());
        LOG.info("fossil dev --secure: issued {}'s certificate {}", id, node.certificate());
      }
      files.add(node);
    }

    DevSecurity security = new DevSecurity(dir, files);
    TokenIssuer tokens = tokenIssuer(dir, clock);
    writeIfChanged(security.jwksFile(), tokens.jwks(), "rw-r--r--");
    if (!Files.exists(security.permissions())) {
      writeIfChanged(security.permissions(), PERMISSIONS, "rw-r--r--");
      LOG.info("fossil dev --secure: wrote {}", security.permissions());
    }
    if (!security.adminTokenValid(clock)) {
      String token = tokens.issue(ISSUER, AUDIENCE, ADMIN_SUBJECT, ADMIN_TOKEN_VALIDITY, Map.of());
      writeIfChanged(security.adminToken(), token + "\n", "rw-------");
      LOG.info("fossil dev --secure: wrote a new admin token to {}", security.adminToken());
    }
    return security;
  }

  /** {@code DATA/secure}. */
  public Path directory() {
    return directory;
  }

  /** {@code DATA/secure/ca.pem}: the CA certificate clients trust ({@code curl --cacert}). */
  public Path caCertificate() {
    return directory.resolve("ca.pem");
  }

  /** Each node's TLS files, {@code n1} first. */
  public List<NodeFiles> nodes() {
    return nodes;
  }

  /**
   * The TLS files of node {@code id}.
   *
   * @throws IllegalArgumentException if the cluster has no such node
   */
  public NodeFiles node(String id) {
    for (NodeFiles n : nodes) {
      if (n.id().equals(id)) {
        return n;
      }
    }
    throw new IllegalArgumentException("the dev cluster has no node " + id);
  }

  /** {@code DATA/secure/jwks.json}: the public keys that verify the dev tokens. */
  public Path jwksFile() {
    return directory.resolve("jwks.json");
  }

  /** {@link #jwksFile()} as the {@code file:} URI {@code --token-jwks} takes. */
  public URI jwks() {
    return jwksFile().toAbsolutePath().toUri();
  }

  /** {@value #ISSUER}. */
  public String issuer() {
    return ISSUER;
  }

  /** {@value #AUDIENCE}. */
  public String audience() {
    return AUDIENCE;
  }

  /**
   * What a node of the dev cluster verifies tokens with: {@link #issuer()}, {@link #audience()},
   * RS256, {@link #jwks()}.
   */
  public TokenVerifier.Config tokenConfig() {
    return TokenVerifier.Config.of(ISSUER, AUDIENCE, Set.of(ALGORITHM), jwks());
  }

  /** {@code DATA/secure/permissions.json}. */
  public Path permissions() {
    return directory.resolve("permissions.json");
  }

  /** {@code DATA/secure/admin.token} (0600): a token holding every permission. */
  public Path adminToken() {
    return directory.resolve("admin.token");
  }

  /**
   * The start of a curl command line that trusts the CA and sends the admin token (read by the
   * shell from its file, so the token itself is not printed).
   */
  public String curl() {
    return "curl --cacert "
        + caCertificate()
        + " -H \"Authorization: Bearer $(cat "
        + adminToken()
        + ")\"";
  }

  @Override
  public String toString() {
    return "DevSecurity[" + directory + ", " + nodes.size() + " nodes]";
  }

  private static CertificateAuthority authority(Path dir, Clock clock, Instant now)
      throws IOException, GeneralSecurityException {
    Path cert = dir.resolve("ca.pem");
    Path key = dir.resolve("ca.key");
    if (Files.exists(cert) && Files.exists(key)) {
      try {
        CertificateAuthority ca = CertificateAuthority.load(cert, key, clock);
        if (validFor(ca.certificate(), now, CERTIFICATE_RENEWAL)) {
          return ca;
        }
        LOG.info("fossil dev --secure: the CA in {} expires soon; creating a new one", cert);
      } catch (GeneralSecurityException e) {
        LOG.warn("fossil dev --secure: {} ({}); creating a new CA", cert, e.getMessage());
      }
    }
    CertificateAuthority ca = CertificateAuthority.create("fossil dev", CA_VALIDITY, clock);
    ca.write(cert, key);
    LOG.info("fossil dev --secure: created a CA in {}", cert);
    return ca;
  }

  /**
   * The node's files hold a valid key and chain from {@code ca}, naming the node and every host.
   */
  private static boolean nodeCertificateFits(
      NodeFiles node, X509Certificate ca, SubjectNames names, Instant now) throws IOException {
    if (!Files.exists(node.key()) || !Files.exists(node.certificate())) {
      return false;
    }
    try {
      X509Certificate leaf =
          TlsMaterial.load(node.key(), node.certificate(), node.ca()).certificate();
      leaf.verify(ca.getPublicKey());
      return validFor(leaf, now, CERTIFICATE_RENEWAL)
          && subjectNames(leaf).containsAll(expectedNames(node.id(), names));
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Set<String> expectedNames(String id, SubjectNames names) {
    Set<String> out = new HashSet<>(names.dnsNames());
    for (InetAddress a : names.addresses()) {
      out.add(a.getHostAddress());
    }
    out.add("urn:fossil:node:" + id);
    return out;
  }

  /** The leaf's DNS names, URIs and IP addresses (normalised as InetAddress prints them). */
  private static Set<String> subjectNames(X509Certificate leaf)
      throws CertificateParsingException, IOException {
    Set<String> out = new HashSet<>();
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    if (sans == null) {
      return out;
    }
    for (List<?> san : sans) {
      if (san.size() < 2 || !(san.get(1) instanceof String value)) {
        continue;
      }
      int type = (Integer) san.get(0);
      out.add(type == 7 ? InetAddress.getByName(value).getHostAddress() : value);
    }
    return out;
  }

  private static boolean validFor(X509Certificate cert, Instant now, Duration margin) {
    return !cert.getNotBefore().toInstant().isAfter(now)
        && cert.getNotAfter().toInstant().isAfter(now.plus(margin));
  }

  private static TokenIssuer tokenIssuer(Path dir, Clock clock)
      throws IOException, GeneralSecurityException {
    Path key = dir.resolve("token-key.jwk");
    if (Files.exists(key)) {
      try {
        return TokenIssuer.load(key, clock);
      } catch (GeneralSecurityException e) {
        LOG.warn("fossil dev --secure: {} ({}); creating a new token key", key, e.getMessage());
      }
    }
    TokenIssuer issuer = TokenIssuer.generate("fossil-dev-" + clock.millis(), clock);
    issuer.writePrivateKey(key);
    LOG.info("fossil dev --secure: created a token signing key in {}", key);
    return issuer;
  }

  /** The admin token verifies with the current keys now and still a day from now. */
  private boolean adminTokenValid(Clock clock) throws IOException {
    if (!Files.exists(adminToken())) {
      return false;
    }
    String token = Files.readString(adminToken(), StandardCharsets.US_ASCII).trim();
    TokenVerifier verifier =
        new TokenVerifier(tokenConfig(), Clock.offset(clock, ADMIN_TOKEN_RENEWAL));
    try {
      verifier.verify(token);
      return true;
    } catch (TokenRejectedException e) {
      return false;
    }
  }

  /** Writes {@code content} (atomically, with {@code mode}) unless the file holds it already. */
  private static void writeIfChanged(Path file, String content, String mode) throws IOException {
    if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(content)) {
      return;
    }
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("another process is writing " + file, e);
    }
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
