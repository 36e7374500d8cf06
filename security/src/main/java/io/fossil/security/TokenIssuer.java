package io.fossil.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Mints RS256 tokens with one RSA 2048 key, for {@code fossil dev --secure}'s admin token and for
 * tests; production tokens come from the organisation's identity provider. {@link #jwks()} is the
 * public key set a {@link TokenVerifier} reads. Thread-safe. The private key is written only by
 * {@link #writePrivateKey(Path)} (mode 0600) and never appears in {@link #toString()}.
 */
public final class TokenIssuer {

  private final RSAKey key;
  private final Clock clock;

  private TokenIssuer(RSAKey key, Clock clock) {
    this.key = key;
    this.clock = clock;
  }

  /** A new RSA 2048 signing key named {@code keyId}. */
  public static TokenIssuer generate(String keyId, Clock clock) throws GeneralSecurityException {
    try {
      return new TokenIssuer(
          new RSAKeyGenerator(2048)
              .keyID(Objects.requireNonNull(keyId, "keyId"))
              .keyUse(KeyUse.SIGNATURE)
              .algorithm(JWSAlgorithm.RS256)
              .generate(),
          clock);
    } catch (JOSEException e) {
      throw new GeneralSecurityException("cannot generate an RSA key", e);
    }
  }

  /** The issuer whose private JWK {@link #writePrivateKey(Path)} wrote. */
  public static TokenIssuer load(Path privateJwk, Clock clock)
      throws IOException, GeneralSecurityException {
    JWK jwk;
    try {
      jwk = JWK.parse(Files.readString(privateJwk));
    } catch (ParseException e) {
      throw new GeneralSecurityException(privateJwk + " is not a JWK");
    }
    if (!(jwk instanceof RSAKey rsa) || !rsa.isPrivate()) {
      throw new GeneralSecurityException(privateJwk + " is not a private RSA JWK");
    }
    return new TokenIssuer(rsa, clock);
  }

  public String keyId() {
    return key.getKeyID();
  }

  /** The public key set (JSON) that verifies this issuer's tokens. */
  public String jwks() {
    return new JWKSet(key.toPublicJWK()).toString();
  }

  /** Writes {@link #jwks()}, replacing the file atomically. */
  public void writeJwks(Path file) throws IOException {
    PemFiles.write(file, jwks(), "rw-r--r--");
  }

  /** Writes the private JWK, readable by its owner only, replacing the file atomically. */
  public void writePrivateKey(Path file) throws IOException {
    PemFiles.write(file, key.toJSONString(), "rw-------");
  }

  /**
   * A signed token for {@code subject}, valid from now (the clock) for {@code validity}, with a
   * random {@code jti} and any extra claims.
   */
  public String issue(
      String issuer,
      String audience,
      String subject,
      Duration validity,
      Map<String, ?> extraClaims) {
    Instant now = clock.instant();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(audience)
            .subject(subject)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(validity)))
            .jwtID(UUID.randomUUID().toString());
    extraClaims.forEach(claims::claim);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims.build());
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("signing with a generated RSA key failed", e);
    }
    return jwt.serialize();
  }

  @Override
  public String toString() {
    return "TokenIssuer[kid=" + key.getKeyID() + "]";
  }
}
