package io.fossil.kv;

/** The store handle was closed before the operation started. */
public class KvClosedException extends KvException {
  private static final long serialVersionUID = 1L;

  public KvClosedException() {
    super("the store is closed");
  }
}
