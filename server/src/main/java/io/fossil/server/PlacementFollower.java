package io.fossil.server;

import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementView;
import io.fossil.placement.ViewWaiters;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows placement by long poll: hands every new view to the node ({@link
 * SegmentOwnership#onView}), and polls again. A failed or lost poll is reported and retried after a
 * pause on the node's timer, so the node never stops following placement while it runs. Runs on
 * placement client threads and the node's timer, one poll under way at a time.
 */
final class PlacementFollower {

  // The logger of the node, as before the follower had a class of its own.
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  /**
   * How the node follows placement.
   *
   * @param longPollWait how long placement holds a long poll open before it answers unchanged
   * @param longPollTimeout when the node gives up on a long poll that never answers (a call lost in
   *     a pause or a partition); longer than {@code longPollWait}
   * @param retryDelay the pause after a failed or abandoned long poll
   */
  record Config(Duration longPollWait, Duration longPollTimeout, Duration retryDelay) {

    static final Config DEFAULT =
        new Config(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(500));

    Config {
      if (longPollWait.isNegative() || longPollWait.isZero()) {
        throw new IllegalArgumentException("longPollWait must be positive, was " + longPollWait);
      }
      if (longPollTimeout.compareTo(longPollWait) <= 0) {
        throw new IllegalArgumentException("longPollTimeout must be longer than longPollWait");
      }
      if (retryDelay.isNegative() || retryDelay.isZero()) {
        throw new IllegalArgumentException("retryDelay must be positive, was " + retryDelay);
      }
    }
  }

  private final Config config;
  private final PlacementClient placement;
  private final ViewWaiters views;
  private final Consumer<PlacementView> onView;
  private final BiConsumer<String, Throwable> failed;
  private final ScheduledExecutorService timer;
  private final BooleanSupplier closing;

  /**
   * @param views the views applied so far: the next poll asks for one above the latest
   * @param onView applies a new view (and publishes it to {@code views})
   * @param failed told what failed and why when a poll fails, unless the node is closing
   * @param timer runs the retries
   * @param closing the node's shutdown flag: once it is true, no poll starts
   */
  PlacementFollower(
      Config config,
      PlacementClient placement,
      ViewWaiters views,
      Consumer<PlacementView> onView,
      BiConsumer<String, Throwable> failed,
      ScheduledExecutorService timer,
      BooleanSupplier closing) {
    this.config = config;
    this.placement = placement;
    this.views = views;
    this.onView = onView;
    this.failed = failed;
    this.timer = timer;
    this.closing = closing;
  }

  /** Starts following: sends the first long poll. */
  void start() {
    follow();
  }

  private void follow() {
    if (closing.getAsBoolean()) {
      return;
    }
    long after = views.latest().version();
    placement
        .awaitChange(after, config.longPollWait())
        // A long poll that never answers (a call lost in a pause or a partition) must not stop
        // this node from following placement for good: give up on it and poll again.
        .orTimeout(config.longPollTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                if (!closing.getAsBoolean()) {
                  failed.accept("its placement long poll (view version " + after + ")", e);
                }
                timer.schedule(this::follow, config.retryDelay().toMillis(), TimeUnit.MILLISECONDS);
                return;
              }
              try {
                onView.accept(v);
              } catch (RuntimeException ex) {
                LOG.error("applying placement version {} failed", v.version(), ex);
              }
              follow();
            });
  }
}
