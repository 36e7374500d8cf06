package io.fossil.router;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A problem to answer with: its type, a detail for people, extension members (such as {@code
 * actualPosition}), and an optional {@code Retry-After} in seconds. Thrown inside handlers and
 * rendered as {@code application/problem+json}.
 */
public final class Problem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ProblemType type;
  private final transient Map<String, Object> extensions = new LinkedHashMap<>();
  private int retryAfterSeconds = -1;
  private String challenge;

  public Problem(ProblemType type, String detail) {
    super(detail, null, false, false);
    this.type = type;
  }

  public Problem with(String member, Object value) {
    extensions.put(member, value);
    return this;
  }

  public Problem retryAfter(int seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  /** The {@code WWW-Authenticate} challenge a 401 carries. */
  public Problem challenge(String wwwAuthenticate) {
    this.challenge = wwwAuthenticate;
    return this;
  }

  /** The {@code WWW-Authenticate} challenge, or null. */
  public String challenge() {
    return challenge;
  }

  public ProblemType type() {
    return type;
  }

  public String detail() {
    return getMessage();
  }

  public Map<String, Object> extensions() {
    return extensions;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
