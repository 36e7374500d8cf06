package io.fossil.kv;

/** A batch, key or value exceeds the backend's {@link KvLimits}; nothing was written. */
public class KvLimitExceededException extends KvException {
  private static final long serialVersionUID = 1L;

  public KvLimitExceededException(String message) {
    super(message);
  }
}
