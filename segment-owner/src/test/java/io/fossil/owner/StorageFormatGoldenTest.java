package io.fossil.owner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.position.SegmentId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The storage format, byte for byte: keys and values encoded by the code as it was before the
 * storage format got its own module, captured as hex. A store written by an earlier version must
 * open and read after any change, so these bytes never change; a new format gets a new version.
 */
class StorageFormatGoldenTest {

  private static final HexFormat HEX = HexFormat.of();

  /** An event with every field set. */
  static final StoredEvent PLACED =
      new StoredEvent(
          "orders-1",
          5,
          "evt-1",
          "Placed",
          "{\"total\":42}".getBytes(StandardCharsets.UTF_8),
          "{\"by\":\"me\"}".getBytes(StandardCharsets.UTF_8),
          1_765_000_000_000L);

  static final String PLACED_RECORD =
      "0100086f72646572732d31000000000000000500056576742d310006506c616365640000019af232b200"
          + "0000000c7b22746f74616c223a34327d0000000b7b226279223a226d65227d";

  /** An event without id or metadata, on a stream whose name is not ASCII (modified UTF-8). */
  static final StoredEvent ANONYMOUS =
      new StoredEvent(
          "caf\u00e9-\u20ac-\ud83d\ude00\u0000",
          0,
          null,
          "T",
          new byte[] {0, (byte) 0xff},
          new byte[0],
          -1L);

  static final String ANONYMOUS_RECORD =
      "010012636166c3a92de282ac2deda0bdedb880c08000000000000000000000000154ffffffffffffffff"
          + "0000000200ff00000000";

  @Test
  void segmentKeys() {
    assertHex(EventLayout.eventKey(7, 42), "027365670003800000000000000702650003800000000000002a");
    assertHex(
        EventLayout.eventKey(1L << 40, 0), "0273656700038000010000000000026500038000000000000000");
    KeyRange events = EventLayout.eventRange(7);
    assertHex(events.start(), "0273656700038000000000000007026500");
    assertHex(events.end(), "0273656700038000000000000007026500ff");
    assertHex(EventLayout.sealKey(7), "0273656700038000000000000007027365616c00");
    assertHex(EventLayout.metaKey(7), "0273656700038000000000000007026d65746100");
  }

  @Test
  void streamIndexAndIdKeys() {
    assertHex(
        EventLayout.indexKey("orders-1", 5), "0273747200026f72646572732d3100038000000000000005");
    KeyRange index = EventLayout.indexRange("orders-1");
    assertHex(index.start(), "0273747200026f72646572732d3100");
    assertHex(index.end(), "0273747200026f72646572732d3100ff");
    KeyRange positions = EventLayout.positionRange("orders-1");
    assertHex(positions.start(), "0273747200026f72646572732d3100030000000000000000");
    assertHex(positions.end(), "0273747200026f72646572732d310003ffffffffffffffff00");
    assertHex(EventLayout.idKey("orders-1", "evt-1"), "02696400026f72646572732d3100026576742d3100");
  }

  @Test
  void indexAndIdValues() {
    assertHex(EventLayout.indexValue(7, 42), "03800000000000000703800000000000002a");
    assertHex(EventLayout.idValue(5, 0x123456789abcdef0L), "03800000000000000503923456789abcdef0");
    assertHex(EventLayout.idValue(0, -2), "038000000000000000037ffffffffffffffe");
  }

  @Test
  void sealRecords() {
    assertHex(
        EventLayout.sealMarker(8, 3), "038000000000000001038000000000000008038000000000000003");
    assertHex(
        EventLayout.sealRecord(8, 3, 41),
        "038000000000000002038000000000000008038000000000000003038000000000000029");
    assertHex(
        EventLayout.sealRecord(8, 3, -1),
        "038000000000000002038000000000000008038000000000000003037fffffffffffffff");
  }

  @Test
  void eventRecords() {
    assertHex(EventLayout.encodeRecord(PLACED), PLACED_RECORD);
    assertHex(EventLayout.encodeRecord(ANONYMOUS), ANONYMOUS_RECORD);
  }

  @Test
  void theOwnersClaimIsItsIncarnation() throws Exception {
    try (KvStore store = KvStores.open("mem:");
        SegmentAppender appender =
            new SegmentAppender(
                store,
                new SegmentId(7, 0, -1L),
                3,
                99,
                List.of(),
                Long.MAX_VALUE / 2,
                SegmentAppender.Config.DEFAULT,
                Clock.systemUTC(),
                () -> 0L)) {
      appender.start().get(30, TimeUnit.SECONDS);
      assertHex(
          store.get(bytes("0273656700038000000000000007026d65746100")).get().orElseThrow(),
          "038000000000000063");
    }
  }

  @Test
  void bytesWrittenBeforeReadBack() throws Exception {
    assertThat(
            EventLayout.counterOfEventKey(
                bytes("027365670003800000000000000702650003800000000000002a")))
        .isEqualTo(42);
    assertThat(
            EventLayout.positionOfIndexKey(
                bytes("0273747200026f72646572732d3100038000000000000005")))
        .isEqualTo(5);
    assertThat(EventLayout.decodeIndexValue(bytes("03800000000000000703800000000000002a")))
        .containsExactly(7, 42);
    assertThat(EventLayout.decodeIdValue(bytes("03800000000000000503923456789abcdef0")))
        .containsExactly(5, 0x123456789abcdef0L);
    assertThat(EventLayout.decodeIdValue(bytes("038000000000000000037ffffffffffffffe")))
        .containsExactly(0, -2);
    assertThat(
            EventLayout.finalCounter(
                bytes("038000000000000001038000000000000008038000000000000003")))
        .isEqualTo(OptionalLong.empty());
    assertThat(
            EventLayout.finalCounter(
                bytes("038000000000000002038000000000000008038000000000000003038000000000000029")))
        .isEqualTo(OptionalLong.of(41));
    assertThat(
            EventLayout.finalCounter(
                bytes("038000000000000002038000000000000008038000000000000003037fffffffffffffff")))
        .isEqualTo(OptionalLong.of(-1));
    assertSame(EventLayout.decodeRecord(bytes(PLACED_RECORD)), PLACED);
    assertSame(EventLayout.decodeRecord(bytes(ANONYMOUS_RECORD)), ANONYMOUS);
    assertThat(EventLayout.streamOf(bytes(PLACED_RECORD))).isEqualTo(PLACED.stream());
    assertThat(EventLayout.streamOf(bytes(ANONYMOUS_RECORD))).isEqualTo(ANONYMOUS.stream());

    try (KvStore store = KvStores.open("mem:")) {
      store
          .write(
              WriteBatch.builder()
                  .put(
                      bytes("0273747200026f72646572732d3100038000000000000004"),
                      bytes("038000000000000007038000000000000029"))
                  .put(
                      bytes("0273747200026f72646572732d3100038000000000000005"),
                      bytes("03800000000000000703800000000000002a"))
                  .build())
          .get(30, TimeUnit.SECONDS);
      assertThat(StreamIndex.lastPosition(store, "orders-1").get(30, TimeUnit.SECONDS))
          .isEqualTo(5);
      assertThat(StreamIndex.lastPosition(store, "orders-").get(30, TimeUnit.SECONDS))
          .isEqualTo(-1);
    }
  }

  private static void assertSame(StoredEvent decoded, StoredEvent expected) {
    assertThat(decoded.stream()).isEqualTo(expected.stream());
    assertThat(decoded.position()).isEqualTo(expected.position());
    assertThat(decoded.id()).isEqualTo(expected.id());
    assertThat(decoded.type()).isEqualTo(expected.type());
    assertThat(decoded.data()).isEqualTo(expected.data());
    assertThat(decoded.metadata()).isEqualTo(expected.metadata());
    assertThat(decoded.time()).isEqualTo(expected.time());
  }

  private static void assertHex(byte[] actual, String expected) {
    assertThat(HEX.formatHex(actual)).isEqualTo(expected);
  }

  private static byte[] bytes(String hex) {
    return HEX.parseHex(hex);
  }
}
