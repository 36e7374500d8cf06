package io.fossil.server;

import io.fossil.security.Principal;
import io.fossil.security.TokenIssuer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fossil certs token-key} and {@code fossil certs token}: an RS256 signing key whose public
 * half nodes verify bearer tokens with ({@code --token-jwks file:DIR/jwks.json}), and tokens signed
 * with it, for clusters without an identity provider and for trying things out. A token is printed
 * to standard output and nowhere else.
 */
final class TokenCommands {

  static final String KEY = "token-key.jwk";
  static final String JWKS = "jwks.json";

  private static final Pattern TTL = Pattern.compile("(\\d{1,9})(s|m|h|d)");
  private static final Duration MAX_TTL = Duration.ofDays(3650);
  private static final DateTimeFormatter KEY_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private TokenCommands() {}

  @Command(
      name = "token-key",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a token signing key (DIR/token-key.jwk, DIR/jwks.json).",
        "token-key.jwk is the private key (mode 0600); jwks.json is the public key set nodes",
        "verify with (--token-jwks file:DIR/jwks.json).",
        "Refuses to replace an existing key without --force."
      })
  static final class Key extends CertsCommand.Step {
    @Option(
        names = "--force",
        description = "replace an existing key: every token it signed stops being accepted")
    boolean force;

    @Override
    void work() throws CertsCommand.Failure, IOException, GeneralSecurityException {
      Path key = dir.resolve(KEY);
      Path jwks = dir.resolve(JWKS);
      if (!force && Files.exists(key)) {
        throw new CertsCommand.Failure(
            key
                + " exists: a new key would make every token signed with it invalid; give --force"
                + " to replace it");
      }
      TokenIssuer issuer = TokenIssuer.generate("fossil-" + KEY_ID.format(clock.instant()), clock);
      issuer.writePrivateKey(key);
      wrote(key, "the private signing key, mode 0600: keep it off the nodes");
      issuer.writeJwks(jwks);
      wrote(jwks, "the public key set, key id " + issuer.keyId());
      out()
          .println(
              "nodes verify with: --token-jwks "
                  + jwks.toAbsolutePath().toUri()
                  + " --token-issuer ISSUER --token-audience AUDIENCE");
    }
  }

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description = {
        "Prints a token signed with DIR/token-key.jwk.",
        "It names --subject, which the permissions file grants as token:SUBJECT. Only the token",
        "is printed, on standard output: keep it secret."
      })
  static final class Token extends CertsCommand.Step {
    @Option(names = "--subject", required = true, description = "who the token names (sub)")
    String subject;

    @Option(
        names = "--audience",
        required = true,
        description = "the aud the nodes require (their --token-audience)")
    String audience;

    @Option(
        names = "--issuer",
        required = true,
        description = "the iss the nodes require (their --token-issuer)")
    String issuer;

    @Option(
        names = "--ttl",
        description = "how long the token is valid: 90s, 30m, 1h, 7d (default: ${DEFAULT-VALUE})")
    String ttl = "1h";

    @Override
    void work() throws CertsCommand.Failure, IOException, GeneralSecurityException {
      Duration validity = ttl(ttl);
      try {
        Principal.token(subject);
      } catch (IllegalArgumentException e) {
        throw usage("--subject: " + e.getMessage());
      }
      if (audience.isBlank() || issuer.isBlank()) {
        throw usage("--audience and --issuer must not be blank");
      }
      Path key = dir.resolve(KEY);
      if (!Files.exists(key)) {
        throw new CertsCommand.Failure(
            "no token key in "
                + dir
                + " ("
                + KEY
                + "); create one first with: fossil certs token-key --dir "
                + dir);
      }
      TokenIssuer signer = TokenIssuer.load(key, clock);
      out().println(signer.issue(issuer, audience, subject, validity, Map.of()));
      out().flush();
    }

    private Duration ttl(String text) {
      Matcher m = TTL.matcher(text);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        Duration d =
            switch (m.group(2)) {
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
        if (!d.isZero() && d.compareTo(MAX_TTL) <= 0) {
          return d;
        }
      }
      throw usage(
          "--ttl must be a duration from 1s to 3650d like 90s, 30m, 1h or 7d, was '" + text + "'");
    }
  }
}
