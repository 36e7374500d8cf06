package io.fossil.chaos;

import io.fossil.security.CertificateAuthority;
import io.fossil.security.ClientCredentials;
import io.fossil.security.TokenIssuer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a secure cluster of the suite runs with, made afresh in a directory of the run ({@code
 * secure/}), the way {@code fossil certs} lays it out:
 *
 * <ul>
 *   <li>{@code ca.pem}, {@code ca.key}: a CA of its own, for this run only;
 *   <li>{@code nI/tls.crt}, {@code nI/tls.key}: node {@code nI}'s certificate, naming {@code
 *       urn:fossil:node:nI}, its host (what its peers, the checker and the forwarding nodes dial:
 *       its advertised address and its Raft address) and {@code 127.0.0.1} and {@code localhost}
 *       (where the suite's Raft and store proxies listen on loopback: a proxy relays TCP, so the
 *       host a node verifies is the proxy's);
 *   <li>{@code token-key.jwk}, {@code jwks.json}: a token signing key and its public set;
 *   <li>{@code permissions.json}: {@code token:chaos}, the workload, may read, append, consume,
 *       administer and scrape metrics; nodes may administer;
 *   <li>{@code chaos.token} (0600): the workload's bearer token.
 * </ul>
 *
 * Every node runs with the same flags a production node would ({@link #nodeFlags}); every client of
 * the suite speaks HTTPS, trusts only this CA, checks host names and sends the token ({@link
 * #client()}).
 */
final class ClusterCredentials {

  static final String ISSUER = "fossil-chaos";
  static final String AUDIENCE = "fossil";
  static final String SUBJECT = "chaos";

  /** Longer than any run; a node under libfaketime only ever runs slow, never ahead. */
  private static final Duration VALIDITY = Duration.ofDays(30);

  private static final String PERMISSIONS =
      """
      {
        "version": 1,
        "grants": [
          { "principals": ["token:chaos"],
            "read": ["*"], "append": ["*"], "consume": ["*"], "admin": true, "metrics": true },
          { "principals": ["node:*"], "admin": true }
        ]
      }
      """;

  private final Path dir;
  private final ClientCredentials client;

  private ClusterCredentials(Path dir, ClientCredentials client) {
    this.dir = dir;
    this.client = client;
  }

  /**
   * Creates the credentials of the nodes {@code nodeIds} under {@code dir}, node {@code k}'s
   * certificate naming {@code hosts.get(k)} (an IP address or a DNS name).
   */
  static ClusterCredentials create(Path dir, List<String> nodeIds, List<String> hosts)
      throws IOException, GeneralSecurityException {
    Clock clock = Clock.systemUTC();
    dir = dir.toAbsolutePath();
    Files.createDirectories(dir);
    CertificateAuthority ca = CertificateAuthority.create("chaos", VALIDITY, clock);
    Path caPem = dir.resolve("ca.pem");
    ca.write(caPem, dir.resolve("ca.key"));
    for (int k = 0; k < nodeIds.size(); k++) {
      Set<String> names = new LinkedHashSet<>(List.of(hosts.get(k), "127.0.0.1", "localhost"));
      List<String> dns = new ArrayList<>();
      List<InetAddress> addresses = new ArrayList<>();
      for (String name : names) {
        if (Character.isDigit(name.charAt(0)) || name.contains(":")) {
          addresses.add(InetAddress.getByName(name)); // a literal: parsed, never looked up
        } else {
          dns.add(name);
        }
      }
      Path nodeDir = dir.resolve(nodeIds.get(k));
      Files.createDirectories(nodeDir);
      ca.issueNode(nodeIds.get(k), dns, addresses, VALIDITY)
          .write(nodeDir.resolve("tls.crt"), nodeDir.resolve("tls.key"));
    }
    TokenIssuer tokens = TokenIssuer.generate("chaos-" + clock.millis(), clock);
    tokens.writePrivateKey(dir.resolve("token-key.jwk"));
    tokens.writeJwks(dir.resolve("jwks.json"));
    Files.writeString(dir.resolve("permissions.json"), PERMISSIONS, StandardCharsets.UTF_8);
    Path token = dir.resolve("chaos.token");
    Files.deleteIfExists(token);
    Files.createFile(
        token, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        token,
        tokens.issue(ISSUER, AUDIENCE, SUBJECT, VALIDITY, Map.of()) + "\n",
        StandardCharsets.US_ASCII);
    ClientCredentials client = ClientCredentials.load(caPem, null, null, token, name -> null);
    return new ClusterCredentials(dir, client);
  }

  /** The security flags of {@code fossil node} for node {@code nodeId}. */
  List<String> nodeFlags(String nodeId) {
    Path node = dir.resolve(nodeId);
    return List.of(
        "--tls-key=" + node.resolve("tls.key"),
        "--tls-cert=" + node.resolve("tls.crt"),
        "--tls-ca=" + dir.resolve("ca.pem"),
        "--permissions=" + dir.resolve("permissions.json"),
        "--token-jwks=" + dir.resolve("jwks.json").toUri(),
        "--token-issuer=" + ISSUER,
        "--token-audience=" + AUDIENCE);
  }

  /** Where the files are. */
  Path directory() {
    return dir;
  }

  /** What the suite's clients present: trust in the CA only, and the workload's token. */
  ClientCredentials client() {
    return client;
  }

  @Override
  public String toString() {
    return "ClusterCredentials[" + dir + "]";
  }
}
