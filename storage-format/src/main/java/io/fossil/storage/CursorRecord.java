package io.fossil.storage;

import io.fossil.kv.TupleKey;
import io.fossil.position.Cursor;
import java.util.List;

/**
 * The value of a consumer's stored cursor ({@link Keyspace#cursorKey}): a format number, then the
 * cursor's token ({@link Cursor#encode}).
 *
 * <p>Stateless and thread-safe. {@link #decode} throws {@link IllegalStateException} for a value of
 * an unknown format, and what {@link Cursor#decode} throws for a token it cannot read.
 */
public final class CursorRecord {

  private static final long FORMAT = 1;

  private CursorRecord() {}

  public static byte[] encode(Cursor cursor) {
    return TupleKey.of(FORMAT, cursor.encode());
  }

  /** The stored cursor, as written. */
  public static Cursor decode(byte[] value) {
    List<Object> fields = TupleKey.decode(value);
    if (fields.size() != 2 || !Long.valueOf(FORMAT).equals(fields.get(0))) {
      throw new IllegalStateException("a stored consumer cursor has an unknown format");
    }
    return Cursor.decode((String) fields.get(1));
  }
}
