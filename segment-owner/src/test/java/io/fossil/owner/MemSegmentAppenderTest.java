package io.fossil.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemSegmentAppenderTest extends SegmentAppenderContract {

  @Override
  protected KvStore openStore() {
    // etcd's default limits, so the append-size rules are exercised as a default etcd sees them.
    return KvStores.open("mem:?maxOperations=128&maxBatchBytes=1500000&maxValueBytes=1400000");
  }

  @Test
  void appendLimitsNameWhatToChange() throws Exception {
    SegmentAppender a = started(store, S1, 1, 1, List.of());
    assertThatThrownBy(() -> a.append(anon("s", 43)))
        .isInstanceOf(InvalidAppendException.class)
        .hasMessageContaining("at most 42 events");
    assertThatThrownBy(() -> a.append(anon("", 1)))
        .hasMessageContaining("stream name must not be empty");
    assertThatThrownBy(() -> a.append(anon("bad\nname", 1)))
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> a.append(anon("x".repeat(513), 1)))
        .hasMessageContaining("maximum is 512");
    assertThatThrownBy(() -> a.append(new AppendRequest("s", -2, anon("s", 1).events())))
        .hasMessageContaining("expected position");
    assertThatThrownBy(() -> a.append(new AppendRequest("s", -1, List.of())))
        .hasMessageContaining("at least one event");
    assertThatThrownBy(
            () ->
                a.append(
                    new AppendRequest(
                        "s", -1, List.of(new ProposedEvent(null, "T", new byte[1_500_000], null)))))
        .hasMessageContaining("may hold at most");
  }

  @Test
  void aLongQueueDrainsWithoutGoingDeeperDownTheStackPerBatch() throws Exception {
    ParkingKvStore parking = new ParkingKvStore(store);
    SegmentAppender a = started(parking, S1, 1, 1, List.of());
    parking.parkNext(b -> true);
    List<CompletableFuture<AppendResult>> all = new ArrayList<>();
    all.add(a.append(anon("deep", 1)));
    assertThat(parking.parked().await(30, TimeUnit.SECONDS)).isTrue();
    // A batch holds one append per stream, so each of these is a batch of its own, and the
    // in-memory store answers each at once: the queue drains on the thread that releases it.
    for (int i = 0; i < 5_000; i++) {
      all.add(a.append(anon("deep", 1)));
    }
    parking.release();
    for (var f : all) {
      assertThat(await(f)).isInstanceOf(AppendResult.Appended.class);
    }
  }
}
