package io.fossil.owner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.position.SegmentId;
import io.fossil.storage.StoredEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Appends through a store that often cannot say whether a write happened. Clients retry with the
 * same ids on "outcome unknown", and move to a successor segment on "sealed" or "not owner", as the
 * router will. Afterwards: every acknowledged append is stored exactly once, at the positions it
 * was acknowledged with, and streams have no gaps.
 */
class UnknownOutcomeTest extends SegmentAppenderContract {

  private List<SegmentId> history;
  private SegmentAppender current;
  private FaultyKvStore faulty;

  @Override
  protected KvStore openStore() {
    return KvStores.open("mem:");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void noAcknowledgedAppendIsLostOrDuplicated(long seed) throws Exception {
    faulty = new FaultyKvStore(store, seed, 0.3);
    history = new ArrayList<>();
    current = successor();
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    int appends = 300;
    List<CompletableFuture<Void>> inFlight = new ArrayList<>();
    for (int i = 0; i < appends; i++) {
      String stream = "acct-" + (i % 20);
      String id = "evt-" + i;
      inFlight.add(appendUntilDefinite(stream, id, acknowledged, 0));
      if (inFlight.size() == 6) {
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
            .get(120, TimeUnit.SECONDS);
        inFlight.clear();
      }
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

    assertThat(faulty.injected.get()).as("faults were injected").isGreaterThan(10);
    assertThat(acknowledged).hasSize(appends);
    // Late writes may still be landing: they can only fail their preconditions, so wait them out.
    CompletableFuture.runAsync(
            () -> {}, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS))
        .get();
    Set<String> seen = new HashSet<>();
    Map<String, Long> storedAt = new HashMap<>();
    for (int s = 0; s < 20; s++) {
      for (StoredEvent e : readStream("acct-" + s)) {
        assertThat(seen.add(e.id())).as("event %s stored twice", e.id()).isTrue();
        storedAt.put(e.id(), e.position());
      }
    }
    assertThat(storedAt).isEqualTo(acknowledged);
  }

  private CompletableFuture<Void> appendUntilDefinite(
      String stream, String id, Map<String, Long> acknowledged, int attempt) {
    if (attempt > 50) {
      return CompletableFuture.failedFuture(new AssertionError("no definite outcome for " + id));
    }
    SegmentAppender target = current;
    return target
        .append(req(stream, AppendRequest.ANY, id))
        .thenCompose(
            r -> {
              if (r instanceof AppendResult.Appended a) {
                acknowledged.put(id, a.firstPosition());
                return CompletableFuture.completedFuture(null);
              }
              if (r instanceof AppendResult.Duplicate d) {
                acknowledged.put(id, d.firstPosition());
                return CompletableFuture.completedFuture(null);
              }
              if (r instanceof AppendResult.Sealed || r instanceof AppendResult.NotOwner) {
                moveOn(target);
              }
              return appendUntilDefinite(stream, id, acknowledged, attempt + 1);
            });
  }

  /** What placement would do when an owner fences itself: a successor over the same range. */
  private synchronized void moveOn(SegmentAppender from) {
    if (current == from) {
      current = successor();
    }
  }

  private SegmentAppender successor() {
    long seq = history.size() + 1;
    SegmentId id = new SegmentId(seq, 0, -1L);
    SegmentAppender a =
        new SegmentAppender(
            faulty,
            id,
            seq,
            seq,
            List.copyOf(history),
            FOREVER,
            new SegmentAppender.Config(20_000, 64, Duration.ofMillis(300), 1_000_000, false),
            Clock.systemUTC(),
            nanos::get);
    history.add(id);
    try {
      a.start().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("successor " + id + " failed to start", e);
    }
    return a;
  }
}
