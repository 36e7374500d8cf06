package io.fossil.kv;

/**
 * A storage operation failed. For a write, this means the batch was certainly not applied: backends
 * report doubt as {@link WriteOutcome.Unknown}, never as an exception.
 */
public class KvException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KvException(String message) {
    super(message);
  }

  public KvException(String message, Throwable cause) {
    super(message, cause);
  }
}
