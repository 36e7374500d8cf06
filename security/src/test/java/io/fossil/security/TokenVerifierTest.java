package io.fossil.security;

import static io.fossil.security.TokenRejectedException.Reason.ALGORITHM_NOT_ALLOWED;
import static io.fossil.security.TokenRejectedException.Reason.BAD_SIGNATURE;
import static io.fossil.security.TokenRejectedException.Reason.EXPIRED;
import static io.fossil.security.TokenRejectedException.Reason.KEYS_UNAVAILABLE;
import static io.fossil.security.TokenRejectedException.Reason.MALFORMED;
import static io.fossil.security.TokenRejectedException.Reason.NOT_YET_VALID;
import static io.fossil.security.TokenRejectedException.Reason.UNKNOWN_KEY;
import static io.fossil.security.TokenRejectedException.Reason.WRONG_AUDIENCE;
import static io.fossil.security.TokenRejectedException.Reason.WRONG_ISSUER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real keys and real signed tokens against a JWKS file; the clock is moved by hand. */
class TokenVerifierTest {

  static final String ISSUER = "https://issuer.example";
  static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(NOW);
  private final AtomicInteger loads = new AtomicInteger();
  private RSAKey rsa;
  private ECKey ec;
  private Path jwks;
  private TokenVerifier verifier;

  @BeforeEach
  void setUp() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("k1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("k2").generate();
    jwks = dir.resolve("jwks.json");
    publish(rsa, ec);
    TokenVerifier.Config config =
        TokenVerifier.Config.of(ISSUER, "fossil", Set.of("RS256", "ES256"), jwks.toUri());
    verifier =
        new TokenVerifier(
            config,
            clock,
            () -> {
              loads.incrementAndGet();
              return Files.readString(jwks);
            });
  }

  @Test
  void acceptsGoodTokensOfEveryAllowedAlgorithm() throws Exception {
    VerifiedToken t = verifier.verify(sign(rsa, JWSAlgorithm.RS256, c -> {}));
    assertThat(t.principal()).isEqualTo(Principal.token("alice"));
    assertThat(t.expiresAt()).isEqualTo(NOW.plusSeconds(300));
    assertThat(verifier.verify(sign(ec, JWSAlgorithm.ES256, c -> {})).principal())
        .isEqualTo(Principal.token("alice"));
    // Within the skew on both ends, several audiences, at+jwt type.
    assertThat(verifier.verify(sign(rsa, JWSAlgorithm.RS256, c -> c.expirationTime(at(-59)))))
        .isNotNull();
    assertThat(verifier.verify(sign(rsa, JWSAlgorithm.RS256, c -> c.notBeforeTime(at(59)))))
        .isNotNull();
    assertThat(
            verifier.verify(sign(rsa, JWSAlgorithm.RS256, c -> c.audience(List.of("x", "fossil")))))
        .isNotNull();
    assertThat(loads).hasValue(1);
  }

  /** The attack table: every reason, each with a real token, and what the message holds. */
  @Test
  void refusesEveryBadTokenWithItsReason() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
    String good = sign(rsa, JWSAlgorithm.RS256, c -> {});
    Map<String, TokenRejectedException.Reason> table = new LinkedHashMap<>();
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.expirationTime(at(-61))), EXPIRED);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.notBeforeTime(at(61))), NOT_YET_VALID);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.issueTime(at(3600))), NOT_YET_VALID);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.audience("other")), WRONG_AUDIENCE);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.audience((String) null)), WRONG_AUDIENCE);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.issuer("https://evil.example")), WRONG_ISSUER);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.issuer(null)), WRONG_ISSUER);
    table.put(new PlainJWT(claims(c -> {}).build()).serialize(), ALGORITHM_NOT_ALLOWED);
    table.put(hs256WithThePublicKey(), ALGORITHM_NOT_ALLOWED);
    table.put(sign(rsa, JWSAlgorithm.RS512, c -> {}), ALGORITHM_NOT_ALLOWED);
    table.put(tamper(good), BAD_SIGNATURE);
    table.put(sign(stranger, JWSAlgorithm.RS256, c -> {}), BAD_SIGNATURE);
    table.put(sign(rsa.toRSAKey(), "k9", JWSAlgorithm.RS256), UNKNOWN_KEY);
    table.put(sign(rsa, "k2", JWSAlgorithm.RS256), UNKNOWN_KEY); // k2 is an EC key
    table.put("", MALFORMED);
    table.put("not-a-token", MALFORMED);
    table.put("a.b.c", MALFORMED);
    table.put(good.substring(0, good.lastIndexOf('.')), MALFORMED);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.expirationTime(null)), MALFORMED);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.subject(null)), MALFORMED);
    table.put(sign(rsa, JWSAlgorithm.RS256, c -> c.claim("sub", List.of("a", "b"))), MALFORMED);

    List<String> failures = new ArrayList<>();
    table.forEach(
        (token, expected) -> {
          TokenRejectedException e =
              catchThrowableOfType(TokenRejectedException.class, () -> verifier.verify(token));
          if (e == null || e.reason() != expected) {
            failures.add(
                List.copyOf(table.keySet()).indexOf(token)
                    + ": "
                    + expected
                    + " expected, got "
                    + (e == null ? "accepted" : e.reason()));
            return;
          }
          assertThat(e.getCause()).isNull();
          for (String part : token.split("\\.")) {
            if (part.length() >= 8) {
              assertThat(e.getMessage()).doesNotContain(part);
            }
          }
          assertThat(e.toString()).doesNotContain(token.isEmpty() ? "\u0000" : token);
        });
    assertThat(failures).isEmpty();
  }

  @Test
  void anUnknownKeyReloadsTheKeySetOnceThenNotWithinTheInterval() throws Exception {
    verifier.verify(sign(rsa, JWSAlgorithm.RS256, c -> c.expirationTime(at(3600))));
    assertThat(loads).hasValue(1);
    // The interval runs between any two loads, the first one included.
    clock.advance(Duration.ofSeconds(30));

    RSAKey next = new RSAKeyGenerator(2048).keyID("k3").generate();
    String withNext = sign(next, JWSAlgorithm.RS256, c -> c.expirationTime(at(3600)));
    assertThat(reason(withNext)).isEqualTo(UNKNOWN_KEY);
    assertThat(loads).hasValue(2);
    publish(rsa, ec, next);
    assertThat(reason(withNext)).isEqualTo(UNKNOWN_KEY);
    assertThat(reason(sign(rsa.toRSAKey(), "k7", JWSAlgorithm.RS256))).isEqualTo(UNKNOWN_KEY);
    assertThat(loads).hasValue(2);

    clock.advance(Duration.ofSeconds(30));
    assertThat(verifier.verify(withNext).principal()).isEqualTo(Principal.token("alice"));
    assertThat(loads).hasValue(3);
  }

  @Test
  void keysAreReloadedWhenOldAndKeptWhenTheSourceFails() throws Exception {
    String token = sign(rsa, JWSAlgorithm.RS256, c -> c.expirationTime(at(3600)));
    verifier.verify(token);
    Files.writeString(jwks, "{ not json");
    clock.advance(Duration.ofMinutes(5));
    assertThat(verifier.verify(token).principal()).isEqualTo(Principal.token("alice"));
    assertThat(loads).hasValue(2);
    assertThat(verifier.keySetProblem()).isPresent();

    publish(ec);
    clock.advance(Duration.ofMinutes(5));
    assertThat(reason(token)).isEqualTo(UNKNOWN_KEY);
    assertThat(verifier.keySetProblem()).isEmpty();
  }

  @Test
  void aVerifiedTokenIsRememberedForAMinuteButNeverPastItsExpiry() throws Exception {
    String token = sign(rsa, JWSAlgorithm.RS256, c -> c.expirationTime(at(3600)));
    verifier.verify(token);
    assertThat(verifier.remembered()).isEqualTo(1);
    // k1 is withdrawn, and an unknown kid makes the verifier re-read the key set without it.
    publish(ec);
    clock.advance(Duration.ofSeconds(31));
    assertThat(reason(sign(rsa.toRSAKey(), "k9", JWSAlgorithm.RS256))).isEqualTo(UNKNOWN_KEY);
    assertThat(loads).hasValue(2);
    // Remembered within the minute, verified again (and refused) after it.
    assertThat(verifier.verify(token).principal()).isEqualTo(Principal.token("alice"));
    clock.advance(Duration.ofSeconds(29));
    assertThat(reason(token)).isEqualTo(UNKNOWN_KEY);

    String shortLived = sign(ec, JWSAlgorithm.ES256, c -> c.expirationTime(at(90)));
    verifier.verify(shortLived);
    clock.advance(Duration.ofSeconds(30 + 60)); // past exp + skew
    assertThat(reason(shortLived)).isEqualTo(EXPIRED);
    assertThat(reason(tamper(shortLived))).isEqualTo(BAD_SIGNATURE);
  }

  @Test
  void withoutAnyKeysTheServerIsAtFault() throws Exception {
    Files.delete(jwks);
    assertThat(reason(sign(rsa, JWSAlgorithm.RS256, c -> {}))).isEqualTo(KEYS_UNAVAILABLE);
  }

  @Test
  void anotherClaimMayNameThePrincipal() throws Exception {
    TokenVerifier byEmail =
        new TokenVerifier(
            new TokenVerifier.Config(
                ISSUER,
                Set.of("fossil"),
                Set.of("ES256"),
                Duration.ZERO,
                "email",
                jwks.toUri(),
                Duration.ofMinutes(5),
                Duration.ofSeconds(30)),
            clock);
    assertThat(
            byEmail
                .verify(sign(ec, JWSAlgorithm.ES256, c -> c.claim("email", "alice@example.org")))
                .principal())
        .isEqualTo(Principal.token("alice@example.org"));
  }

  @Test
  void configurationRefusesNoneHmacAndUnboundedSkew() {
    for (String alg : List.of("none", "NONE", "HS256", "HS512", "EdDSA", "ES256K")) {
      assertThatThrownBy(
              () -> TokenVerifier.Config.of(ISSUER, "fossil", Set.of("RS256", alg), jwks.toUri()))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(
            () ->
                new TokenVerifier.Config(
                    ISSUER,
                    Set.of("fossil"),
                    Set.of("RS256"),
                    Duration.ofHours(1),
                    "sub",
                    jwks.toUri(),
                    Duration.ofMinutes(5),
                    Duration.ofSeconds(30)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theIssuerMintsTokensTheVerifierAccepts() throws Exception {
    TokenIssuer issuer = TokenIssuer.generate("dev-1", clock);
    issuer.writeJwks(dir.resolve("dev-jwks.json"));
    issuer.writePrivateKey(dir.resolve("dev-key.json"));
    TokenIssuer reloaded = TokenIssuer.load(dir.resolve("dev-key.json"), clock);
    TokenVerifier dev =
        new TokenVerifier(
            TokenVerifier.Config.of(
                "fossil-dev", "fossil", Set.of("RS256"), dir.resolve("dev-jwks.json").toUri()),
            clock);

    String token =
        reloaded.issue("fossil-dev", "fossil", "admin", Duration.ofDays(30), Map.of("x", "y"));
    assertThat(dev.verify(token).principal()).isEqualTo(Principal.token("admin"));
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("dev-key.json"))))
        .isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("dev-jwks.json"))).doesNotContain("\"d\"");
    assertThat(issuer.toString()).doesNotContain(Files.readString(dir.resolve("dev-key.json")));
    clock.advance(Duration.ofDays(31));
    assertThat(catchThrowableOfType(TokenRejectedException.class, () -> dev.verify(token)).reason())
        .isEqualTo(EXPIRED);
  }

  private TokenRejectedException.Reason reason(String token) {
    TokenRejectedException e =
        catchThrowableOfType(TokenRejectedException.class, () -> verifier.verify(token));
    return e == null ? null : e.reason();
  }

  private void publish(JWK... keys) throws Exception {
    List<JWK> pub = new ArrayList<>();
    for (JWK k : keys) {
      pub.add(k.toPublicJWK());
    }
    Files.writeString(jwks, new JWKSet(pub).toString());
  }

  private static Date at(long secondsFromNow) {
    return Date.from(NOW.plusSeconds(secondsFromNow));
  }

  private static JWTClaimsSet.Builder claims(Consumer<JWTClaimsSet.Builder> change) {
    JWTClaimsSet.Builder b =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience("fossil")
            .subject("alice")
            .issueTime(at(-10))
            .expirationTime(at(300));
    change.accept(b);
    return b;
  }

  private static String sign(JWK key, JWSAlgorithm alg, Consumer<JWTClaimsSet.Builder> change)
      throws Exception {
    JWSSigner signer = key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
            claims(change).build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String sign(RSAKey key, String kid, JWSAlgorithm alg) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(alg).keyID(kid).build(),
            claims(c -> c.expirationTime(at(3600))).build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  /** The classic confusion: HMAC keyed with the bytes of the (public) RSA verification key. */
  private String hs256WithThePublicKey() throws Exception {
    byte[] secret =
        PemFiles.block("PUBLIC KEY", rsa.toRSAPublicKey().getEncoded())
            .getBytes(StandardCharsets.US_ASCII);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims(c -> {}).build());
    jwt.sign(new MACSigner(secret));
    return jwt.serialize();
  }

  /** The payload swapped for one naming another subject; header and signature kept. */
  private static String tamper(String token) throws Exception {
    String[] parts = token.split("\\.");
    String payload =
        Base64URL.encode(claims(c -> c.subject("admin")).build().toString()).toString();
    return parts[0] + "." + payload + "." + parts[2];
  }
}
