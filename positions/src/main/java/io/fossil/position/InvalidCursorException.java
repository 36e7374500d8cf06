package io.fossil.position;

/** A cursor token that cannot be read; the message completes "the cursor ...". */
public final class InvalidCursorException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InvalidCursorException(String reason) {
    super(reason);
  }
}
