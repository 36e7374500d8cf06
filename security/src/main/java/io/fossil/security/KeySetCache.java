package io.fossil.security;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The verification keys, loaded from a JWKS source and kept for {@code maxAge}. A token with an
 * unknown key makes it load again at once (a new key was published), but never more than once per
 * {@code minInterval}, so a stream of tokens with made-up {@code kid}s cannot turn every request
 * into a JWKS fetch. A failed load keeps the keys loaded before.
 */
final class KeySetCache {

  /** Where the JWKS JSON comes from: a file, or an HTTP(S) URL. */
  @FunctionalInterface
  interface Source {
    String load() throws IOException;
  }

  private final Source source;
  private final Clock clock;
  private final Duration maxAge;
  private final Duration minInterval;
  private volatile JWKSet keys;
  private volatile Instant loadedAt;
  private Instant attemptedAt;
  private String lastFailure;

  KeySetCache(Source source, Clock clock, Duration maxAge, Duration minInterval) {
    this.source = source;
    this.clock = clock;
    this.maxAge = maxAge;
    this.minInterval = minInterval;
  }

  /** The keys, re-loaded first if they are older than {@code maxAge}; null if none ever loaded. */
  JWKSet keys() {
    JWKSet fresh = keys;
    Instant at = loadedAt;
    if (fresh != null && clock.instant().isBefore(at.plus(maxAge))) {
      return fresh; // the common case takes no lock
    }
    synchronized (this) {
      Instant now = clock.instant();
      if ((keys == null || !now.isBefore(loadedAt.plus(maxAge))) && mayAttempt(now)) {
        load(now);
      }
      return keys;
    }
  }

  /** Loads again because a token named a key we do not have, unless that was done just now. */
  synchronized JWKSet refreshForUnknownKey() {
    Instant now = clock.instant();
    if (mayAttempt(now)) {
      load(now);
    }
    return keys;
  }

  /** Why the last load failed, or null if it succeeded. The JWKS is public: nothing secret. */
  synchronized String lastFailure() {
    return lastFailure;
  }

  private boolean mayAttempt(Instant now) {
    return attemptedAt == null || !now.isBefore(attemptedAt.plus(minInterval));
  }

  private void load(Instant now) {
    attemptedAt = now;
    try {
      JWKSet loaded = JWKSet.parse(source.load());
      loadedAt = now;
      keys = loaded;
      lastFailure = null;
    } catch (IOException | ParseException | RuntimeException e) {
      // Keep the previous keys: an outage of the key server must not log everyone out.
      lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }
}
