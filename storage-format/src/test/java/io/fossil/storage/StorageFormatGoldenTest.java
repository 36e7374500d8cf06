package io.fossil.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The storage format, byte for byte: keys and values as the code wrote them before the storage
 * format got its own module (segment-owner's EventLayout and SegmentAppender, the reader's
 * ConsumerCursors, placement's SequenceReserver), captured as hex. A store written by an earlier
 * version must open and read after any change, so these bytes never change; a new format gets a new
 * version. The only place outside {@link Keyspace} where key literals may appear.
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
    assertHex(Keyspace.eventKey(7, 42), "027365670003800000000000000702650003800000000000002a");
    assertHex(
        Keyspace.eventKey(1L << 40, 0), "0273656700038000010000000000026500038000000000000000");
    KeyRange events = Keyspace.eventRange(7);
    assertHex(events.start(), "0273656700038000000000000007026500");
    assertHex(events.end(), "0273656700038000000000000007026500ff");
    assertHex(Keyspace.sealKey(7), "0273656700038000000000000007027365616c00");
    assertHex(Keyspace.metaKey(7), "0273656700038000000000000007026d65746100");
  }

  @Test
  void streamIndexAndIdKeys() {
    assertHex(Keyspace.indexKey("orders-1", 5), "0273747200026f72646572732d3100038000000000000005");
    KeyRange index = Keyspace.indexRange("orders-1");
    assertHex(index.start(), "0273747200026f72646572732d3100");
    assertHex(index.end(), "0273747200026f72646572732d3100ff");
    KeyRange positions = Keyspace.positionRange("orders-1");
    assertHex(positions.start(), "0273747200026f72646572732d3100030000000000000000");
    assertHex(positions.end(), "0273747200026f72646572732d310003ffffffffffffffff00");
    assertHex(Keyspace.idKey("orders-1", "evt-1"), "02696400026f72646572732d3100026576742d3100");
  }

  @Test
  void indexAndIdValues() {
    assertHex(StreamIndex.indexValue(7, 42), "03800000000000000703800000000000002a");
    assertHex(
        StreamIndex.idValue(5, 4, 0x123456789abcdef0L, -2),
        "038000000000000005038000000000000004038000000000000001"
            + "03923456789abcdef0037ffffffffffffffe");
  }

  @Test
  void sealRecords() {
    assertHex(
        SegmentRecords.sealMarker(8, 3), "038000000000000001038000000000000008038000000000000003");
    assertHex(
        SegmentRecords.sealRecord(8, 3, 41),
        "038000000000000002038000000000000008038000000000000003038000000000000029");
    assertHex(
        SegmentRecords.sealRecord(8, 3, -1),
        "038000000000000002038000000000000008038000000000000003037fffffffffffffff");
  }

  @Test
  void eventRecords() {
    assertHex(EventRecord.encode(PLACED), PLACED_RECORD);
    assertHex(EventRecord.encode(ANONYMOUS), ANONYMOUS_RECORD);
  }

  @Test
  void theOwnersClaimIsItsIncarnation() {
    // Captured from what the segment appender wrote under the meta key (incarnation 99).
    assertHex(SegmentRecords.ownerClaim(99), "038000000000000063");
  }

  /** A cursor of two segments, the second one split (a non-zero range start). */
  static final Cursor CURSOR =
      new Cursor(
          7,
          List.of(
              new Cursor.Entry(new SegmentId(3, 0, -1L), 41),
              new Cursor.Entry(new SegmentId(9, 1L << 62, -1L), -1)));

  static final String CURSOR_KEY = "026375720002766965772d3100";
  static final String CURSOR_VALUE =
      "0380000000000000010241514141414163414141414141674e414b676e5f506746414144494f00";

  @Test
  void consumerCursors() {
    // Captured from what the reader's ConsumerCursors wrote.
    assertHex(Keyspace.cursorKey("view-1"), CURSOR_KEY);
    assertHex(Keyspace.cursorRange().start(), "0263757200");
    assertHex(Keyspace.cursorRange().end(), "0263757200ff");
    assertHex(CursorRecord.encode(CURSOR), CURSOR_VALUE);
    assertThat(CursorRecord.decode(bytes(CURSOR_VALUE))).isEqualTo(CURSOR);
    assertThat(Keyspace.consumerOfCursorKey(bytes(CURSOR_KEY))).isEqualTo("view-1");
  }

  /** Moved from the reader's ConsumerCursorsTest with the cursor key. */
  @Test
  void theCursorKeyIsOrderPreservingAndHoldsOnlyTheName() {
    assertThat(TupleKey.decode(Keyspace.cursorKey("view"))).containsExactly("cur", "view");
    KeyRange all = Keyspace.cursorRange();
    assertThat(all.contains(Keyspace.cursorKey("view"))).isTrue();
    assertThat(all.contains(TupleKey.of("str", "view", 0L))).isFalse();
    assertThat(all.contains(TupleKey.of("cursor", "view"))).isFalse();
  }

  @Test
  void theClusterRecord() {
    // Captured from what placement's SequenceReserver wrote: ("c-1", 4106).
    assertHex(Keyspace.clusterKey(), "02636c757374657200");
    assertHex(new ClusterRecord("c-1", 4106).encode(), "02632d310003800000000000100a");
    assertThat(ClusterRecord.decode(bytes("02632d310003800000000000100a")))
        .isEqualTo(new ClusterRecord("c-1", 4106));
  }

  @Test
  void theNodeIncarnation() {
    assertHex(Keyspace.nodeKey("n1"), "026e6f646500026e3100");
    assertHex(new NodeIncarnation(1_700_000_000_000_000L).encode(), "0380060a24181e4000");
    assertThat(NodeIncarnation.decode(bytes("0380060a24181e4000")))
        .isEqualTo(new NodeIncarnation(1_700_000_000_000_000L));
  }

  @Test
  void theNextIncarnationGrowsAndFollowsTheClock() {
    assertThat(NodeIncarnation.next(Optional.empty(), 1_700_000_000_000L))
        .isEqualTo(new NodeIncarnation(1_700_000_000_000_000L));
    // The same millisecond again, or a clock that went back: one more than the last.
    assertThat(
            NodeIncarnation.next(
                Optional.of(new NodeIncarnation(1_700_000_000_000_000L)), 1_700_000_000_000L))
        .isEqualTo(new NodeIncarnation(1_700_000_000_000_001L));
    assertThat(NodeIncarnation.next(Optional.of(new NodeIncarnation(1_700_000_000_000_005L)), 5))
        .isEqualTo(new NodeIncarnation(1_700_000_000_000_006L));
    // A later millisecond: the clock's.
    assertThat(
            NodeIncarnation.next(
                Optional.of(new NodeIncarnation(1_700_000_000_000_005L)), 1_700_000_000_001L))
        .isEqualTo(new NodeIncarnation(1_700_000_000_001_000L));
  }

  @Test
  void theVoterRecord() {
    assertHex(Keyspace.voterKey("n1"), "02766f74657200026e3100");
    assertHex(new VoterRecord("s-1", 5).encode(), "02732d3100038000000000000005");
    assertThat(VoterRecord.decode(bytes("02732d3100038000000000000005")))
        .isEqualTo(new VoterRecord("s-1", 5));
  }

  @Test
  void thePolicyRecord() {
    assertHex(Keyspace.policyKey(), "02706f6c69637900");
    assertHex(new PolicyRecord(3).encode(), "038000000000000003");
    assertThat(PolicyRecord.decode(bytes("038000000000000003"))).isEqualTo(new PolicyRecord(3));
  }

  @Test
  void bytesWrittenBeforeReadBack() throws Exception {
    assertThat(
            Keyspace.counterOfEventKey(
                bytes("027365670003800000000000000702650003800000000000002a")))
        .isEqualTo(42);
    assertThat(
            Keyspace.positionOfIndexKey(bytes("0273747200026f72646572732d3100038000000000000005")))
        .isEqualTo(5);
    assertThat(StreamIndex.decodeIndexValue(bytes("03800000000000000703800000000000002a")))
        .containsExactly(7, 42);
    // Id values written before issue 33: (position, FNV-1a 64 of the payload).
    assertThat(StreamIndex.decodeIdValue(bytes("03800000000000000503923456789abcdef0")))
        .isEqualTo(
            new StreamIndex.IdValue(
                5,
                StreamIndex.APPEND_NOT_RECORDED,
                StreamIndex.PayloadHashKind.FNV1A_64,
                0,
                0x123456789abcdef0L));
    assertThat(StreamIndex.decodeIdValue(bytes("038000000000000000037ffffffffffffffe")))
        .isEqualTo(
            new StreamIndex.IdValue(
                0, StreamIndex.APPEND_NOT_RECORDED, StreamIndex.PayloadHashKind.FNV1A_64, 0, -2));
    // Since: (position, first position of the append, 1 = SHA-256/128, high, low).
    assertThat(
            StreamIndex.decodeIdValue(
                bytes(
                    "038000000000000005038000000000000004038000000000000001"
                        + "03923456789abcdef0037ffffffffffffffe")))
        .isEqualTo(
            new StreamIndex.IdValue(
                5, 4, StreamIndex.PayloadHashKind.SHA256_128, 0x123456789abcdef0L, -2));
    assertThatThrownBy(
            () ->
                StreamIndex.decodeIdValue(
                    bytes(
                        "038000000000000005038000000000000004038000000000000002"
                            + "03923456789abcdef0037ffffffffffffffe")))
        .hasMessageContaining("known format");
    assertThat(
            SegmentRecords.finalCounter(
                bytes("038000000000000001038000000000000008038000000000000003")))
        .isEqualTo(OptionalLong.empty());
    assertThat(
            SegmentRecords.finalCounter(
                bytes("038000000000000002038000000000000008038000000000000003038000000000000029")))
        .isEqualTo(OptionalLong.of(41));
    assertThat(
            SegmentRecords.finalCounter(
                bytes("038000000000000002038000000000000008038000000000000003037fffffffffffffff")))
        .isEqualTo(OptionalLong.of(-1));
    assertSame(EventRecord.decode(bytes(PLACED_RECORD)), PLACED);
    assertSame(EventRecord.decode(bytes(ANONYMOUS_RECORD)), ANONYMOUS);
    assertThat(EventRecord.streamOf(bytes(PLACED_RECORD))).isEqualTo(PLACED.stream());
    assertThat(EventRecord.streamOf(bytes(ANONYMOUS_RECORD))).isEqualTo(ANONYMOUS.stream());

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
