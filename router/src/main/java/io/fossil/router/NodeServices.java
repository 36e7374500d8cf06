package io.fossil.router;

import io.fossil.compaction.Compactor;
import io.fossil.owner.AppendLimits;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply;
import io.fossil.position.SegmentId;
import io.fossil.reader.ConsumerCursors;
import io.fossil.reader.CursorReader;
import io.fossil.reader.LiveHeads;
import io.fossil.reader.StreamReader;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** What the HTTP API needs from the node it runs in. Implementations are thread-safe. */
public interface NodeServices {

  String nodeId();

  /** The latest placement this node has seen (it follows changes by long poll); never null. */
  PlacementView view();

  /**
   * Completes with a placement whose version is above {@code afterVersion}, or with the newest one
   * known after {@code maxWait}; never exceptionally.
   */
  CompletableFuture<PlacementView> awaitView(long afterVersion, Duration maxWait);

  /** The appender this node runs for {@code segment}, if any (starting or active). */
  Optional<SegmentAppender> appender(SegmentId segment);

  AppendLimits limits();

  StreamReader reader();

  CursorReader cursorReader();

  /** Wakes live readers when segments get new events; shared by all of them. */
  LiveHeads liveHeads();

  /** Consumers' stored cursors and the waits on them. */
  ConsumerCursors consumers();

  /** Sends a command to the placement group (admin routes). */
  CompletableFuture<PlacementReply> submit(PlacementCommand command);

  /** Runs one compaction pass now ({@code POST /admin/compaction}; ADR 0021). */
  CompletableFuture<Compactor.Report> compact();

  /**
   * The placement group's voters as its leader sees them ({@code GET /admin/voters}, ADR 29); fails
   * when no leader answers.
   */
  default CompletableFuture<Voters> voters() {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("this node does not reach the placement voters"));
  }

  /**
   * Changes the placement group's voters ({@code POST /admin/voters}, ADR 29): the voters after the
   * change, or why nothing changed; fails when no leader answers.
   */
  default CompletableFuture<VotersReply> changeVoters(VoterChange change) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("this node does not reach the placement voters"));
  }

  /** Null when ready; otherwise why not, for {@code /health/ready}. */
  String notReadyReason();

  /**
   * What {@code /health/ready} says besides "ready" about how this node runs, such as that it runs
   * without TLS and authentication on purpose ({@code --insecure}); empty when nothing.
   */
  default Optional<String> warning() {
    return Optional.empty();
  }

  PrometheusMeterRegistry registry();
}
