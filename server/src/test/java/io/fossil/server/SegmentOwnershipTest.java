package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.AppendRequest;
import io.fossil.owner.AppendResult;
import io.fossil.owner.ProposedEvent;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.Segment;
import io.fossil.placement.ViewWaiters;
import io.fossil.position.SegmentId;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Segment ownership on an in-memory store and a scripted placement group, without a cluster. */
class SegmentOwnershipTest {

  private static final long INCARNATION = 42;
  private static final SegmentId LOW = new SegmentId(1, 0, 0x7fff_ffff_ffff_ffffL);
  private static final SegmentId HIGH = new SegmentId(2, 0x8000_0000_0000_0000L, -1L);
  private static final SegmentId OTHER = new SegmentId(3, 0, 0x7fff_ffff_ffff_ffffL);

  private final KvStore store = KvStores.open("mem:ownership-" + UUID.randomUUID());
  private final ScriptedPlacement placement = new ScriptedPlacement();
  private final ViewWaiters views = new ViewWaiters(null);
  private final AtomicBoolean closing = new AtomicBoolean();
  private final SegmentOwnership ownership =
      new SegmentOwnership(
          "n1",
          INCARNATION,
          store,
          SegmentAppender.Config.DEFAULT,
          placement,
          views,
          () -> System.nanoTime() + TimeUnit.SECONDS.toNanos(30),
          (segment, events) -> {},
          closing::get);

  @AfterEach
  void stop() {
    ownership.close();
    store.close();
  }

  @Test
  void writesTheOpenSegmentsOfThisIncarnationAndPublishesTheViewAfterwards() {
    PlacementView v1 = view(1, open(LOW, "n1", INCARNATION), open(HIGH, "n1", INCARNATION - 1));
    ownership.onView(v1);

    assertThat(ownership.writes(LOW)).isTrue();
    assertThat(ownership.appender(LOW)).isPresent();
    assertThat(ownership.writes(HIGH)).as("a segment of an earlier incarnation").isFalse();
    assertThat(ownership.owned()).isEqualTo(1);
    assertThat(views.latest()).isSameAs(v1);
  }

  @Test
  void closesTheAppenderOfASegmentItLost() {
    ownership.onView(view(1, open(LOW, "n1", INCARNATION), open(HIGH, "n2", 7)));
    SegmentAppender low = ownership.appender(LOW).orElseThrow();

    PlacementView v2 = view(2, open(LOW, "n2", 7), open(HIGH, "n1", INCARNATION));
    ownership.onView(v2);

    assertThat(ownership.writes(LOW)).isFalse();
    assertThat(low.state()).isEqualTo(SegmentAppender.State.CLOSED);
    assertThat(ownership.writes(HIGH)).isTrue();
    assertThat(views.latest()).isSameAs(v2);
  }

  @Test
  void anOlderViewIsIgnored() {
    PlacementView v2 = view(2, open(LOW, "n1", INCARNATION));
    ownership.onView(v2);
    ownership.onView(view(1, open(LOW, "n2", 7), open(HIGH, "n1", INCARNATION)));

    assertThat(ownership.writes(LOW)).isTrue();
    assertThat(ownership.writes(HIGH)).isFalse();
    assertThat(views.latest()).isSameAs(v2);
  }

  @Test
  void noViewIsAppliedOnceTheNodeCloses() {
    closing.set(true);
    ownership.onView(view(1, open(LOW, "n1", INCARNATION)));

    assertThat(ownership.owned()).isZero();
    assertThat(views.latest()).isNull();
  }

  @Test
  void reportsTheFinalCounterOfASealedAncestorUntilPlacementHasIt() throws Exception {
    CompletableFuture<PlacementReply> firstReport = new CompletableFuture<>();
    placement.answer = c -> firstReport;
    Segment ancestor =
        new Segment(
            LOW,
            Segment.State.SEALED,
            "n2",
            7,
            1,
            List.of(),
            List.of(OTHER),
            Segment.FINAL_UNKNOWN);
    Segment successor =
        new Segment(
            OTHER,
            Segment.State.OPEN,
            "n1",
            INCARNATION,
            2,
            List.of(LOW),
            List.of(),
            Segment.FINAL_UNKNOWN);
    ownership.onView(view(1, ancestor, successor));

    PlacementCommand report = new PlacementCommand.ReportSeal(LOW, -1);
    await().atMost(Duration.ofSeconds(10)).until(() -> placement.commands.contains(report));
    ownership.reportSeals(); // one report per segment under way at a time
    assertThat(placement.commands).containsExactly(report);

    placement.answer = c -> CompletableFuture.completedFuture(new PlacementReply.Ok(2));
    firstReport.completeExceptionally(new IOException("no leader"));
    ownership.reportSeals(); // the failed report is sent again ...
    assertThat(placement.commands).containsExactly(report, report);
    ownership.reportSeals(); // ... and not after placement has it
    assertThat(placement.commands).containsExactly(report, report);
  }

  @Test
  void aLostLeaseStopsEveryAppenderAtOnce() throws Exception {
    ownership.onView(view(1, open(LOW, "n1", INCARNATION), open(HIGH, "n1", INCARNATION)));
    SegmentAppender low = ownership.appender(LOW).orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> low.state() == SegmentAppender.State.ACTIVE);
    AppendRequest one =
        new AppendRequest(
            "s", AppendRequest.ANY, List.of(new ProposedEvent(null, "T", new byte[] {1}, null)));
    assertThat(low.append(one).get(10, TimeUnit.SECONDS)).isInstanceOf(AppendResult.Appended.class);

    ownership.leaseLost();
    // The local deadline is 30 s away; the appenders must not wait for it.
    for (SegmentId id : List.of(LOW, HIGH)) {
      assertThat(ownership.appender(id).orElseThrow().append(one).get(10, TimeUnit.SECONDS))
          .isEqualTo(new AppendResult.NotOwner(null));
    }
  }

  private static PlacementView view(long version, Segment... segments) {
    return new PlacementView(version, 0, "c", List.of(), List.of(segments), 10_000, 0, 0);
  }

  private static Segment open(SegmentId id, String owner, long incarnation) {
    return new Segment(
        id, Segment.State.OPEN, owner, incarnation, 1, List.of(), List.of(), Segment.FINAL_UNKNOWN);
  }
}
