package io.fossil.security;

import java.time.Instant;
import java.util.Objects;

/**
 * What a verified bearer token proves: who is calling, until when. The token itself is not kept.
 */
public record VerifiedToken(Principal principal, Instant expiresAt) {

  public VerifiedToken {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
