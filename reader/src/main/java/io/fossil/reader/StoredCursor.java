package io.fossil.reader;

import io.fossil.kv.KeyValue;
import io.fossil.position.Cursor;

/**
 * A consumer's cursor as {@link ConsumerCursors#forEachStoredPage} read it from the store,
 * untranslated; {@link ConsumerCursors#replaceStored} is conditioned on the stored bytes it was
 * read from. Immutable.
 */
public final class StoredCursor {
  private final String consumer;
  private final Cursor cursor;
  private final KeyValue entry;

  StoredCursor(String consumer, Cursor cursor, KeyValue entry) {
    this.consumer = consumer;
    this.cursor = cursor;
    this.entry = entry;
  }

  public String consumer() {
    return consumer;
  }

  /** The cursor as stored, untranslated. */
  public Cursor cursor() {
    return cursor;
  }

  /** The stored key and value, which a replacement requires unchanged. */
  KeyValue entry() {
    return entry;
  }
}
