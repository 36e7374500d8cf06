package io.fossil.owner;

/**
 * An append that can never succeed as written (bad name, too large, ...). Thrown at once; nothing
 * was written. {@link #code()} is stable; the message says what to change.
 */
public final class InvalidAppendException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Why an append was refused. */
  public enum Code {
    INVALID_STREAM_NAME,
    INVALID_EVENT_TYPE,
    INVALID_EVENT_ID,
    EMPTY_APPEND,
    DUPLICATE_EVENT_ID,
    EVENT_TOO_LARGE,
    APPEND_TOO_LARGE,
    INVALID_EXPECTED_POSITION
  }

  private final Code code;

  public InvalidAppendException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
