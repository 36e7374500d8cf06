package io.fossil.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KeyRange;
import org.junit.jupiter.api.Test;

/** The keyspace's ranges hold their family's keys and no other. */
class KeyspaceTest {

  @Test
  void aStreamsPositionRangeHoldsItsIndexKeysAndNoOtherStreams() {
    KeyRange positions = Keyspace.positionRange("orders-1");
    for (long p : new long[] {0, 1, 1L << 40, Long.MAX_VALUE}) {
      assertThat(positions.contains(Keyspace.indexKey("orders-1", p))).isTrue();
    }
    for (String other : new String[] {"orders-", "orders-10", "orders-1/x", "orders-2"}) {
      assertThat(positions.contains(Keyspace.indexKey(other, 0))).as(other).isFalse();
      assertThat(positions.contains(Keyspace.indexKey(other, Long.MAX_VALUE))).as(other).isFalse();
    }
    assertThat(Keyspace.indexRange("orders-1").contains(positions.start())).isTrue();
  }

  @Test
  void everyKeyIsOfItsKind() {
    assertThat(Keyspace.kindOf(Keyspace.eventKey(7, 42))).contains(Keyspace.Kind.EVENT);
    assertThat(Keyspace.kindOf(Keyspace.sealKey(7))).contains(Keyspace.Kind.SEAL);
    assertThat(Keyspace.kindOf(Keyspace.metaKey(7))).contains(Keyspace.Kind.META);
    assertThat(Keyspace.kindOf(Keyspace.indexKey("orders-1", 5)))
        .contains(Keyspace.Kind.STREAM_INDEX);
    assertThat(Keyspace.kindOf(Keyspace.idKey("orders-1", "evt-1")))
        .contains(Keyspace.Kind.EVENT_ID);
    assertThat(Keyspace.kindOf(Keyspace.cursorKey("view-1"))).contains(Keyspace.Kind.CURSOR);
    assertThat(Keyspace.kindOf(Keyspace.clusterKey())).contains(Keyspace.Kind.CLUSTER);
    assertThat(Keyspace.kindOf(Keyspace.nodeKey("n1"))).contains(Keyspace.Kind.NODE);
    assertThat(Keyspace.kindOf(Keyspace.voterKey("n1"))).contains(Keyspace.Kind.VOTER);
    assertThat(Keyspace.kindOf(Keyspace.policyKey())).contains(Keyspace.Kind.POLICY);
    assertThat(Keyspace.kindOf(Keyspace.eventRange(7).start())).isEmpty();
    assertThat(Keyspace.kindOf(Keyspace.cursorRange().start())).isEmpty();
  }

  @Test
  void segmentAndConsumerKeysNameTheirOwner() {
    for (byte[] key :
        new byte[][] {Keyspace.eventKey(7, 42), Keyspace.sealKey(7), Keyspace.metaKey(7)}) {
      assertThat(Keyspace.segmentsRange().contains(key)).isTrue();
      assertThat(Keyspace.segmentOf(key)).isEqualTo(7);
    }
    assertThat(Keyspace.counterOfEventKey(Keyspace.eventKey(7, 42))).isEqualTo(42);
    assertThat(Keyspace.segmentsRange().contains(Keyspace.indexKey("seg", 0))).isFalse();
    assertThat(Keyspace.consumerOfCursorKey(Keyspace.cursorKey("view-1"))).isEqualTo("view-1");
    assertThat(Keyspace.cursorRange().contains(Keyspace.cursorKey("view-1"))).isTrue();
    assertThat(Keyspace.clusterKey()).isNotSameAs(Keyspace.clusterKey());
  }
}
