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

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * Verifies JWT bearer tokens (RFC 7519, compact JWS) with nimbus-jose-jwt, in this order: the
 * algorithm is one of {@link Config#algorithms()} (asymmetric only: {@code none} and HMAC are
 * refused in the configuration, so "HS256 signed with the RSA public key" cannot pass), a key of
 * the JWKS matches {@code kid}, algorithm and key type, the signature verifies, then {@code iss},
 * {@code aud}, {@code exp} (required) and {@code nbf}/{@code iat} are checked against the injected
 * clock with {@link Config#maxClockSkew()}. The principal is {@code token:<claim>} from {@link
 * Config#principalClaim()} ({@code sub} by default). Claims are never read before the signature has
 * verified.
 *
 * <p>Keys come from {@link Config#jwks()} ({@code file:} or {@code https:}), cached for {@link
 * Config#jwksMaxAge()}, re-loaded when a token names an unknown key but at most once per {@link
 * Config#minRefreshInterval()}; a failed load keeps the previous keys.
 *
 * <p>A token that verified is remembered for up to 60 s (never past its {@code exp}), so repeated
 * requests with one token cost one signature check a minute; a key withdrawn from the JWKS stops
 * working at most a minute after the verifier has re-read the key set.
 *
 * <p>Thread-safe. Every refusal is a {@link TokenRejectedException} with a stable reason whose
 * message never contains the token.
 */
public final class TokenVerifier {

  /** The algorithms Fossil can be configured to accept: RSA and ECDSA signatures. */
  public static final Set<String> SUPPORTED_ALGORITHMS =
      Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");

  private static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final int MAX_JWKS_BYTES = 512 * 1024;

  /** {@code typ} values accepted, lower case (RFC 7519 and RFC 9068 access tokens). */
  private static final Set<String> TYPES =
      Set.of("jwt", "at+jwt", "application/jwt", "application/at+jwt");

  /**
   * What a verifier accepts.
   *
   * @param issuer the exact {@code iss} value required
   * @param audiences a token's {@code aud} must name at least one of these
   * @param algorithms the {@code alg} values accepted, from {@link #SUPPORTED_ALGORITHMS}
   * @param maxClockSkew tolerance for {@code exp}, {@code nbf}, {@code iat}: 0 to 5 minutes
   * @param principalClaim the string claim that names the principal ({@code sub} usually)
   * @param jwks where the public keys are: a {@code file:}, {@code https:} or {@code http:} URI
   * @param jwksMaxAge how long loaded keys are used before they are loaded again
   * @param minRefreshInterval the least time between two loads of the key set
   */
  public record Config(
      String issuer,
      Set<String> audiences,
      Set<String> algorithms,
      Duration maxClockSkew,
      String principalClaim,
      URI jwks,
      Duration jwksMaxAge,
      Duration minRefreshInterval) {

    public Config {
      Objects.requireNonNull(issuer, "issuer");
      audiences = Set.copyOf(audiences);
      algorithms = Set.copyOf(algorithms);
      Objects.requireNonNull(principalClaim, "principalClaim");
      Objects.requireNonNull(jwks, "jwks");
      if (issuer.isBlank() || audiences.isEmpty() || principalClaim.isBlank()) {
        throw new IllegalArgumentException("issuer, audiences and principalClaim are required");
      }
      if (algorithms.isEmpty()) {
        throw new IllegalArgumentException("at least one algorithm must be allowed");
      }
      for (String a : algorithms) {
        if (a.equalsIgnoreCase("none")) {
          throw new IllegalArgumentException("alg none is never allowed");
        }
        if (a.toUpperCase(Locale.ROOT).startsWith("HS")) {
          throw new IllegalArgumentException(
              a + " is refused: HMAC needs a shared secret; Fossil verifies with public keys");
        }
        if (!SUPPORTED_ALGORITHMS.contains(a)) {
          throw new IllegalArgumentException(
              a + " is not one of the supported algorithms " + SUPPORTED_ALGORITHMS);
        }
      }
      if (maxClockSkew.isNegative() || maxClockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException("maxClockSkew is between 0 and 5 minutes");
      }
      String scheme = String.valueOf(jwks.getScheme()).toLowerCase(Locale.ROOT);
      if (!Set.of("file", "https", "http").contains(scheme)) {
        throw new IllegalArgumentException("jwks is a file:, https: or http: URI");
      }
      if (jwksMaxAge.compareTo(Duration.ofSeconds(1)) < 0 || minRefreshInterval.isNegative()) {
        throw new IllegalArgumentException("jwksMaxAge is at least 1 s, minRefreshInterval >= 0");
      }
    }

    /**
     * The usual settings: {@code sub} names the principal, 60 s of skew, keys kept 5 minutes and
     * loaded again at most every 30 s.
     */
    public static Config of(String issuer, String audience, Set<String> algorithms, URI jwks) {
      return new Config(
          issuer,
          Set.of(audience),
          algorithms,
          Duration.ofSeconds(60),
          "sub",
          jwks,
          Duration.ofMinutes(5),
          Duration.ofSeconds(30));
    }
  }

  private final Config config;
  private final Clock clock;
  private final Set<JWSAlgorithm> algorithms;
  private final KeySetCache keys;
  private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();
  private final VerifiedTokens recent = new VerifiedTokens(Duration.ofSeconds(60), 10_000);

  /** Keys from a file, or over HTTPS trusting the JDK's default CAs. */
  public TokenVerifier(Config config, Clock clock) {
    this(config, clock, (SSLContext) null);
  }

  /** Keys from a file, or over HTTPS trusting {@code jwksTls} (a private CA), if not null. */
  public TokenVerifier(Config config, Clock clock, SSLContext jwksTls) {
    this(config, clock, sourceOf(config.jwks(), jwksTls));
  }

  TokenVerifier(Config config, Clock clock, KeySetCache.Source source) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.algorithms =
        config.algorithms().stream()
            .map(JWSAlgorithm::parse)
            .collect(Collectors.toUnmodifiableSet());
    this.keys = new KeySetCache(source, clock, config.jwksMaxAge(), config.minRefreshInterval());
  }

  /**
   * Verifies a compact JWT (without the {@code Bearer } prefix).
   *
   * @throws TokenRejectedException with the first reason the token fails
   */
  public VerifiedToken verify(String token) throws TokenRejectedException {
    Instant now = clock.instant();
    VerifiedToken known = token == null ? null : recent.get(token, now);
    if (known != null) {
      return known;
    }
    VerifiedToken verified = verifyNow(token);
    recent.put(token, verified, now);
    return verified;
  }

  /** Verified tokens remembered now (tests). */
  int remembered() {
    return recent.size();
  }

  private VerifiedToken verifyNow(String token) throws TokenRejectedException {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      throw new TokenRejectedException(MALFORMED);
    }
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw new TokenRejectedException(MALFORMED);
    }
    if (jwt instanceof PlainJWT || !(jwt instanceof SignedJWT signed)) {
      throw new TokenRejectedException(ALGORITHM_NOT_ALLOWED);
    }
    JWSHeader header = signed.getHeader();
    if (!algorithms.contains(header.getAlgorithm())) {
      throw new TokenRejectedException(ALGORITHM_NOT_ALLOWED);
    }
    if (header.getType() != null
        && !TYPES.contains(header.getType().getType().toLowerCase(Locale.ROOT))) {
      throw new TokenRejectedException(MALFORMED);
    }
    verifySignature(signed, header);
    JWTClaimsSet claims;
    try {
      claims = signed.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new TokenRejectedException(MALFORMED);
    }
    return checkClaims(claims);
  }

  /** Why the key set failed to load the last time it was tried, if it did. */
  public Optional<String> keySetProblem() {
    return Optional.ofNullable(keys.lastFailure());
  }

  private void verifySignature(SignedJWT signed, JWSHeader header) throws TokenRejectedException {
    JWKSet set = keys.keys();
    List<PublicKey> candidates = set == null ? List.of() : candidates(set, header);
    if (candidates.isEmpty()) {
      set = keys.refreshForUnknownKey();
      if (set == null) {
        throw new TokenRejectedException(KEYS_UNAVAILABLE);
      }
      candidates = candidates(set, header);
      if (candidates.isEmpty()) {
        throw new TokenRejectedException(UNKNOWN_KEY);
      }
    }
    for (PublicKey key : candidates) {
      try {
        if (signed.verify(verifiers.createJWSVerifier(header, key))) {
          return;
        }
      } catch (JOSEException | RuntimeException e) {
        // A key that cannot verify this token (size, curve) is not the signer; try the next.
      }
    }
    throw new TokenRejectedException(BAD_SIGNATURE);
  }

  /** Public keys of the set for this header: same kid (if any), algorithm, type and curve. */
  private static List<PublicKey> candidates(JWKSet set, JWSHeader header) {
    JWSAlgorithm alg = header.getAlgorithm();
    List<PublicKey> out = new ArrayList<>();
    for (JWK jwk : set.getKeys()) {
      if (header.getKeyID() != null && !header.getKeyID().equals(jwk.getKeyID())) {
        continue;
      }
      if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
        continue;
      }
      if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().getName().equals(alg.getName())) {
        continue;
      }
      try {
        if (JWSAlgorithm.Family.RSA.contains(alg) && jwk instanceof RSAKey rsa) {
          out.add(rsa.toRSAPublicKey());
        } else if (JWSAlgorithm.Family.EC.contains(alg)
            && jwk instanceof ECKey ec
            && Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
          out.add(ec.toECPublicKey());
        }
      } catch (JOSEException e) {
        // An unusable key in the set is skipped, not fatal.
      }
    }
    return out;
  }

  private VerifiedToken checkClaims(JWTClaimsSet claims) throws TokenRejectedException {
    if (!config.issuer().equals(claims.getIssuer())) {
      throw new TokenRejectedException(WRONG_ISSUER);
    }
    List<String> aud = claims.getAudience();
    if (aud == null || aud.stream().noneMatch(config.audiences()::contains)) {
      throw new TokenRejectedException(WRONG_AUDIENCE);
    }
    Instant now = clock.instant();
    Duration skew = config.maxClockSkew();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new TokenRejectedException(MALFORMED);
    }
    if (!now.isBefore(exp.toInstant().plus(skew))) {
      throw new TokenRejectedException(EXPIRED);
    }
    for (Date notBefore : new Date[] {claims.getNotBeforeTime(), claims.getIssueTime()}) {
      if (notBefore != null && now.plus(skew).isBefore(notBefore.toInstant())) {
        throw new TokenRejectedException(NOT_YET_VALID);
      }
    }
    Object name = claims.getClaim(config.principalClaim());
    if (!(name instanceof String s)) {
      throw new TokenRejectedException(MALFORMED);
    }
    try {
      return new VerifiedToken(Principal.token(s), exp.toInstant());
    } catch (IllegalArgumentException e) {
      throw new TokenRejectedException(MALFORMED);
    }
  }

  private static KeySetCache.Source sourceOf(URI jwks, SSLContext tls) {
    if ("file".equalsIgnoreCase(jwks.getScheme())) {
      Path file = Path.of(jwks);
      return () -> {
        if (Files.size(file) > MAX_JWKS_BYTES) {
          throw new IOException(file + " is larger than " + MAX_JWKS_BYTES + " bytes");
        }
        return Files.readString(file);
      };
    }
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER);
    if (tls != null) {
      b.sslContext(tls);
    }
    HttpClient http = b.build();
    return () -> {
      HttpRequest request =
          HttpRequest.newBuilder(jwks)
              .timeout(Duration.ofSeconds(5))
              .header("Accept", "application/json")
              .GET()
              .build();
      try {
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          throw new IOException(jwks + " answered " + r.statusCode());
        }
        if (r.body().length > MAX_JWKS_BYTES) {
          throw new IOException(jwks + " is larger than " + MAX_JWKS_BYTES + " bytes");
        }
        return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while loading " + jwks, e);
      }
    };
  }

  @Override
  public String toString() {
    return "TokenVerifier[iss=" + config.issuer() + ", algorithms=" + config.algorithms() + "]";
  }
}
