package io.fossil.security;

import java.util.Locale;
import java.util.Objects;

/**
 * A bearer token was not accepted. {@link #reason()} is the stable code the router puts in its 401
 * ({@code WWW-Authenticate: Bearer error="invalid_token"}) and problem type. The message is fixed
 * text per reason and never contains the token or any part of it; there is no cause, because
 * parsers quote what they fail on.
 */
public final class TokenRejectedException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a token was refused; {@link #code()} is stable. */
  public enum Reason {
    /** Not a compact JWS, or a required claim ({@code exp}, the principal claim) is missing. */
    MALFORMED("the token is not a well-formed signed JWT with the required claims"),
    /** {@code alg} is not one of the configured algorithms ({@code none} never is). */
    ALGORITHM_NOT_ALLOWED("the token's algorithm is not allowed"),
    /** No key of the key set matches the token's {@code kid} and algorithm. */
    UNKNOWN_KEY("no key in the key set matches the token"),
    /** The key set could not be loaded at all; the client is not at fault. */
    KEYS_UNAVAILABLE("the key set cannot be loaded"),
    /** The signature does not verify: tampered, or signed by another key. */
    BAD_SIGNATURE("the token's signature does not verify"),
    /** {@code iss} is not the configured issuer. */
    WRONG_ISSUER("the token was issued by another issuer"),
    /** {@code aud} names none of the configured audiences. */
    WRONG_AUDIENCE("the token is meant for another audience"),
    /** {@code exp} has passed, beyond the allowed clock skew. */
    EXPIRED("the token has expired"),
    /** {@code nbf} (or {@code iat}) lies in the future, beyond the allowed clock skew. */
    NOT_YET_VALID("the token is not valid yet");

    private final String message;

    Reason(String message) {
      this.message = message;
    }

    /** The stable code: {@code expired}, {@code bad-signature}, … */
    public String code() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Reason reason;

  TokenRejectedException(Reason reason) {
    super(reason.message, null, false, false);
    this.reason = Objects.requireNonNull(reason);
  }

  public Reason reason() {
    return reason;
  }
}
