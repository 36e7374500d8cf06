package io.fossil.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.position.Cursor;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Compaction's rewrite of the stored consumer cursors, on {@code mem:}. */
class StoredCursorRewriteTest {

  static final int TAG = Cursor.clusterTag("test-cluster");
  static final SegmentId OLD = new SegmentId(3, 0, -1L);
  static final SegmentId NEW = new SegmentId(9, 0, -1L);

  /** Far longer than any test: only a put on the same instance can end a wait. */
  static final Duration NO_POLL = Duration.ofHours(1);

  KvStore store;
  ConsumerCursors cursors;
  StoredCursorRewrite rewrite;

  @BeforeEach
  void setUp() {
    store = KvStores.open("mem:");
    cursors = new ConsumerCursors(store, ConsumerCursors.Translation.IDENTITY, NO_POLL);
    rewrite = new StoredCursorRewrite(cursors);
  }

  @AfterEach
  void tearDown() {
    cursors.close();
    store.close();
  }

  static Cursor at(SegmentId segment, long counter) {
    return new Cursor(TAG, List.of(new Cursor.Entry(segment, counter)));
  }

  /** Compaction as a test sees it: OLD@c is NEW@(c + 100). */
  static Cursor compacted(Cursor c) {
    return new Cursor(
        c.clusterTag(),
        c.selectionTag(),
        c.entries().stream()
            .map(
                e ->
                    e.segment().equals(OLD)
                        ? new Cursor.Entry(NEW, e.counter() + 100)
                        : new Cursor.Entry(e.segment(), e.counter()))
            .toList());
  }

  static <T> T done(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  @Test
  void rewritesOnlyWhatTheTranslatorChangesAndYieldsToAConcurrentPut() throws Exception {
    int consumers = 2 * StoredCursorRewrite.PAGE + 50; // several pages
    for (int i = 0; i < consumers; i++) {
      SegmentId segment = i % 2 == 0 ? OLD : NEW;
      done(cursors.put(String.format("view-%03d", i), at(segment, i)));
    }
    String racing = "view-010";
    Cursor clientWrote = at(NEW, 5_000);
    int[] calls = {0};

    int rewritten =
        done(
            rewrite.rewriteAll(
                c -> {
                  calls[0]++;
                  if (c.equals(at(OLD, 10))) {
                    // A client stores a new cursor after the scan read the old one.
                    cursors.put(racing, clientWrote).join();
                  }
                  Cursor next = compacted(c);
                  return next.equals(c) ? Optional.empty() : Optional.of(next);
                }));

    assertThat(calls[0]).isEqualTo(consumers);
    int old = (consumers + 1) / 2;
    assertThat(rewritten).isEqualTo(old - 1);
    for (int i = 0; i < consumers; i++) {
      String name = String.format("view-%03d", i);
      Cursor expected =
          name.equals(racing) ? clientWrote : i % 2 == 0 ? at(NEW, i + 100) : at(NEW, i);
      assertThat(done(cursors.get(name))).as(name).contains(expected);
    }
    // A translator that returns the same cursor, or nothing, writes nothing.
    assertThat(done(rewrite.rewriteAll(Optional::of))).isZero();
    assertThat(done(rewrite.rewriteAll(c -> Optional.empty()))).isZero();
  }

  @Test
  void aTranslationRewritesWhatItChangesAndLeavesWhatItCannotTranslate() throws Exception {
    done(cursors.put("old", at(OLD, 1)));
    done(cursors.put("new", at(NEW, 2)));
    done(cursors.put("expired", at(new SegmentId(5, 0, -1L), 3)));

    int rewritten =
        done(
            rewrite.translateAll(
                c -> {
                  if (c.entries().get(0).segment().seq() == 5) {
                    throw new IllegalArgumentException("retired longer ago than the grace");
                  }
                  return compacted(c);
                }));

    assertThat(rewritten).isEqualTo(1);
    assertThat(done(cursors.get("old"))).contains(at(NEW, 101));
    assertThat(done(cursors.get("new"))).contains(at(NEW, 2));
    assertThat(done(cursors.get("expired"))).contains(at(new SegmentId(5, 0, -1L), 3));
  }
}
