package io.fossil.reader;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import io.fossil.storage.CursorRecord;
import io.fossil.storage.Keyspace;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Consumer cursors are stored in the storage format, whose bytes storage-format's golden test holds
 * (captured from this class's writes before the format got its own module): a store written before
 * reads after.
 */
class StoredCursorTest {

  static final Cursor CURSOR =
      new Cursor(
          7,
          List.of(
              new Cursor.Entry(new SegmentId(3, 0, -1L), 41),
              new Cursor.Entry(new SegmentId(9, 1L << 62, -1L), -1)));

  @Test
  void aCursorIsStoredAsACursorRecordUnderItsKey() throws Exception {
    assertThat(ConsumerCursors.key("view-1")).isEqualTo(Keyspace.cursorKey("view-1"));
    assertThat(ConsumerCursors.range()).isEqualTo(Keyspace.cursorRange());
    try (KvStore store = KvStores.open("mem:");
        ConsumerCursors cursors = new ConsumerCursors(store)) {
      cursors.put("view-1", CURSOR).get(30, TimeUnit.SECONDS);
      assertThat(store.get(Keyspace.cursorKey("view-1")).get().orElseThrow())
          .isEqualTo(CursorRecord.encode(CURSOR));
    }
  }

  @Test
  void aStoredCursorRecordReadsBack() throws Exception {
    try (KvStore store = KvStores.open("mem:");
        ConsumerCursors cursors = new ConsumerCursors(store)) {
      store
          .write(
              WriteBatch.builder()
                  .put(Keyspace.cursorKey("view-1"), CursorRecord.encode(CURSOR))
                  .build())
          .get(30, TimeUnit.SECONDS);
      assertThat(cursors.get("view-1").get(30, TimeUnit.SECONDS)).contains(CURSOR);
    }
  }
}
