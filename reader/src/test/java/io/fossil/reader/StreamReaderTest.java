package io.fossil.reader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.AppendRequest;
import io.fossil.owner.AppendResult;
import io.fossil.owner.ProposedEvent;
import io.fossil.owner.SegmentAppender;
import io.fossil.position.GlobalPosition;
import io.fossil.position.SegmentId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Stream reads through the index, over events written by a real appender on {@code mem:}. */
class StreamReaderTest {

  static final SegmentId SEGMENT = new SegmentId(1, 0, -1L);
  KvStore store;
  SegmentAppender appender;
  StreamReader reader;

  @BeforeEach
  void setUp() {
    store = KvStores.open("mem:");
    appender =
        new SegmentAppender(
            store,
            SEGMENT,
            1,
            1,
            List.of(),
            Long.MAX_VALUE,
            SegmentAppender.Config.DEFAULT,
            Clock.systemUTC(),
            () -> 0L);
    appender.start().join();
    reader = new StreamReader(store);
  }

  @AfterEach
  void tearDown() {
    appender.close();
    store.close();
  }

  void append(String stream, String... types) {
    List<ProposedEvent> events =
        java.util.Arrays.stream(types)
            .map(t -> new ProposedEvent(null, t, t.getBytes(StandardCharsets.UTF_8), null))
            .toList();
    assertThat(appender.append(new AppendRequest(stream, AppendRequest.ANY, events)).join())
        .isInstanceOf(AppendResult.Appended.class);
  }

  static List<String> types(StreamReader.StreamPage page) {
    return page.events().stream().map(e -> e.event().type()).toList();
  }

  @Test
  void readsForwardsAndBackwardsFromAPosition() {
    append("a-1", "E0", "E1", "E2");
    append("a-10", "X0");
    append("a-1", "E3", "E4");

    StreamReader.StreamPage all = reader.read("a-1", 0, 100, true).join();
    assertThat(types(all)).containsExactly("E0", "E1", "E2", "E3", "E4");
    assertThat(all.lastPosition()).isEqualTo(4);
    assertThat(all.events().get(3).segmentSeq()).isEqualTo(1);
    assertThat(all.events().get(3).counter()).isEqualTo(4); // a-10's event took counter 3

    assertThat(types(reader.read("a-1", 2, 2, true).join())).containsExactly("E2", "E3");
    assertThat(types(reader.read("a-1", Long.MAX_VALUE, 1, false).join())).containsExactly("E4");
    assertThat(types(reader.read("a-1", 1, 5, false).join())).containsExactly("E1", "E0");
    assertThat(types(reader.read("a-1", 5, 5, true).join())).isEmpty();
  }

  @Test
  void anEmptyStreamHasNoEventsAndPositionMinusOne() {
    append("a-1", "E0");
    StreamReader.StreamPage page = reader.read("a", 0, 10, true).join();
    assertThat(page.events()).isEmpty();
    assertThat(page.lastPosition()).isEqualTo(-1);
  }

  @Test
  void refusesLimitsOutsideTheRange() {
    assertThatThrownBy(() -> reader.read("a", 0, 0, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> reader.read("a", 0, StreamReader.MAX_LIMIT + 1, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void globalPositionsRoundTripThroughText() {
    GlobalPosition p = new GlobalPosition(new SegmentId(7, 0x10, 0xffL), 12);
    assertThat(GlobalPosition.parse(p.toString())).isEqualTo(p);
    assertThatThrownBy(() -> GlobalPosition.parse("7:10-ff"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
