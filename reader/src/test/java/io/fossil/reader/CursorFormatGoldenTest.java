package io.fossil.reader;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stored consumer cursor, byte for byte as the code wrote it before the storage format got its
 * own module: a store written before must read after.
 */
class CursorFormatGoldenTest {

  private static final HexFormat HEX = HexFormat.of();

  static final Cursor CURSOR =
      new Cursor(
          7,
          List.of(
              new Cursor.Entry(new SegmentId(3, 0, -1L), 41),
              new Cursor.Entry(new SegmentId(9, 1L << 62, -1L), -1)));

  static final String KEY = "026375720002766965772d3100";
  static final String VALUE =
      "0380000000000000010241514141414163414141414141674e414b676e5f506746414144494f00";

  @Test
  void aCursorIsStoredAsBefore() throws Exception {
    assertThat(HEX.formatHex(ConsumerCursors.key("view-1"))).isEqualTo(KEY);
    assertThat(HEX.formatHex(ConsumerCursors.range().start())).isEqualTo("0263757200");
    assertThat(HEX.formatHex(ConsumerCursors.range().end())).isEqualTo("0263757200ff");
    try (KvStore store = KvStores.open("mem:");
        ConsumerCursors cursors = new ConsumerCursors(store)) {
      cursors.put("view-1", CURSOR).get(30, TimeUnit.SECONDS);
      assertThat(HEX.formatHex(store.get(HEX.parseHex(KEY)).get().orElseThrow())).isEqualTo(VALUE);
    }
  }

  @Test
  void aCursorStoredBeforeReadsBack() throws Exception {
    try (KvStore store = KvStores.open("mem:");
        ConsumerCursors cursors = new ConsumerCursors(store)) {
      store
          .write(WriteBatch.builder().put(HEX.parseHex(KEY), HEX.parseHex(VALUE)).build())
          .get(30, TimeUnit.SECONDS);
      assertThat(cursors.get("view-1").get(30, TimeUnit.SECONDS)).contains(CURSOR);
    }
  }
}
