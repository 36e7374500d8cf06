package io.fossil.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.placement.PlacementCommand.Register;
import io.fossil.placement.PlacementCommand.ReserveSequences;
import io.fossil.placement.PlacementCommand.Split;
import io.fossil.position.SegmentId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cap on open segments ({@link PlacementConfig#maxOpenSegments()}), decided in apply. */
class SegmentCapTest {

  @Test
  void aSplitBeyondTheCapIsRefusedAndChangesNothing() {
    PlacementState state = new PlacementState(new PlacementConfig(2, 1, 1_000, 2, 3));
    PlacementController controller = started(state);
    SegmentId first = state.openSegments().get(0).id();
    assertThat(controller.execute(new Split(first, null), 2_000).reply())
        .isInstanceOf(PlacementReply.Changed.class);
    assertThat(state.openSegmentCount()).isEqualTo(3);

    List<Segment> before = state.segments();
    long version = state.version();
    long nextSeq = state.nextSeq();
    PlacementController.Result refused =
        controller.execute(new Split(state.openSegments().get(0).id(), null), 2_000);

    assertThat(refused.reply())
        .isInstanceOfSatisfying(
            PlacementReply.Rejected.class,
            r -> {
              assertThat(r.code()).isEqualTo(PlacementReply.Code.SEGMENT_CAP);
              assertThat(r.message()).contains("cap is 3 open segments");
            });
    assertThat(refused.records()).isEmpty();
    assertThat(state.version()).isEqualTo(version);
    assertThat(state.segments()).isEqualTo(before);
    assertThat(state.nextSeq()).isEqualTo(nextSeq);
    // The refusal travels to the client intact.
    assertThat(PlacementCodec.decodeReply(PlacementCodec.encode(refused.reply())))
        .isEqualTo(refused.reply());
  }

  @Test
  void movesAndMergesStillWorkAtTheCap() {
    PlacementState state = new PlacementState(new PlacementConfig(2, 1, 1_000, 2, 2));
    PlacementController controller = started(state);
    List<Segment> open = state.openSegments();
    assertThat(controller.execute(new PlacementCommand.Move(open.get(0).id(), "n1"), 2_000).reply())
        .isInstanceOf(PlacementReply.Changed.class);
    open = state.openSegments();
    assertThat(
            controller
                .execute(new PlacementCommand.Merge(open.get(0).id(), open.get(1).id()), 2_000)
                .reply())
        .isInstanceOf(PlacementReply.Changed.class);
    // One segment open now: a split fits again.
    assertThat(controller.execute(new Split(state.openSegments().get(0).id(), null), 2_000).reply())
        .isInstanceOf(PlacementReply.Changed.class);
  }

  @Test
  void twoConcurrentSplitsDoNotOvershootTheCap() throws Exception {
    InProcessPlacement placement =
        new InProcessPlacement(new PlacementConfig(2, 1, 1_000, 2, 3), () -> 1_000);
    placement.submit(new ReserveSequences("c", 1, 100)).get();
    placement.submit(new Register("n1", 1, "http://n1", "n1:9000")).get();
    List<Segment> open =
        placement.view().get().segments().stream().filter(Segment::isOpen).toList();
    assertThat(open).hasSize(2);

    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<PlacementReply>> replies =
          open.stream()
              .map(
                  s ->
                      CompletableFuture.supplyAsync(
                          () -> {
                            try {
                              go.await();
                            } catch (InterruptedException e) {
                              Thread.currentThread().interrupt();
                              throw new IllegalStateException(e);
                            }
                            return placement.submit(new Split(s.id(), null)).join();
                          },
                          threads))
              .toList();
      go.countDown();
      List<PlacementReply> answers =
          replies.stream().map(f -> f.orTimeout(10, TimeUnit.SECONDS).join()).toList();

      assertThat(answers).filteredOn(PlacementReply.Changed.class::isInstance).hasSize(1);
      assertThat(answers)
          .filteredOn(PlacementReply.Rejected.class::isInstance)
          .singleElement()
          .extracting(r -> ((PlacementReply.Rejected) r).code())
          .isEqualTo(PlacementReply.Code.SEGMENT_CAP);
      assertThat(placement.view().get().segments().stream().filter(Segment::isOpen)).hasSize(3);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void theCapIsAtLeastTheRing() {
    assertThatThrownBy(() -> new PlacementConfig(8, 1, 1_000, 2, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least ringSegments");
    assertThat(new PlacementConfig(8, 1, 1_000, 2, 0).maxOpenSegments()).isZero();
    assertThat(new PlacementConfig(2_000, 1, 1_000, 2).maxOpenSegments()).isEqualTo(2_000);
    assertThat(PlacementConfig.DEFAULT.maxOpenSegments()).isEqualTo(1024);
  }

  /** A cluster with its sequences reserved and one live member owning the ring. */
  private static PlacementController started(PlacementState state) {
    PlacementController controller = new PlacementController(state);
    controller.execute(new ReserveSequences("c", 1, 100), 1_000);
    controller.execute(new Register("n1", 1, "http://n1", "n1:9000"), 1_000);
    return controller;
  }
}
