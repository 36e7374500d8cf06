package io.fossil.security;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens verified recently, so a client that sends the same token with every request costs one
 * signature check a minute instead of one per request. An entry is used until the token's {@code
 * exp} or for {@code ttl}, whichever comes first; a key withdrawn from the JWKS therefore stops
 * working within {@code ttl} of the key set being re-read. Refusals are not remembered. Bounded:
 * when full it is emptied, which costs a re-verification per live token and nothing else.
 */
final class VerifiedTokens {

  private record Entry(VerifiedToken token, Instant until) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Duration ttl;
  private final int max;

  VerifiedTokens(Duration ttl, int max) {
    this.ttl = ttl;
    this.max = max;
  }

  /** The verified token, if it was verified recently and is still usable at {@code now}. */
  VerifiedToken get(String token, Instant now) {
    Entry e = entries.get(token);
    if (e == null) {
      return null;
    }
    if (now.isBefore(e.until())) {
      return e.token();
    }
    entries.remove(token, e);
    return null;
  }

  void put(String token, VerifiedToken verified, Instant now) {
    Instant until = now.plus(ttl);
    if (verified.expiresAt().isBefore(until)) {
      until = verified.expiresAt();
    }
    if (entries.size() >= max) {
      entries.clear();
    }
    entries.put(token, new Entry(verified, until));
  }

  int size() {
    return entries.size();
  }
}
