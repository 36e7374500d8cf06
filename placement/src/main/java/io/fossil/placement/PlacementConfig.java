package io.fossil.placement;

/**
 * Placement policy, identical on every voter (it shapes what apply computes, so voters with
 * different policies would reach different placements from the same log).
 *
 * @param ringSegments how many segments the ring starts with
 * @param expectedVoters live members needed before the first assignment, so a fresh cluster does
 *     not start with a storm of moves
 * @param leaseMillis how long a heartbeat keeps a node's leases
 * @param maxMovesPerTick bound on rebalancing moves per tick
 * @param maxOpenSegments the most segments open at once (0: no cap): a split that would open more
 *     is refused with {@link PlacementReply.Code#SEGMENT_CAP} and changes nothing. Each open
 *     segment costs every node memory (its view, the owner's appender) and a live-tail scan; the
 *     cap keeps an admin, or a script in a loop, from splitting the cluster into exhaustion. At
 *     least {@code ringSegments}. Raise it on every voter at once; a voter replaying its log with a
 *     cap lower than the one the log was written with would refuse a split the others made
 */
public record PlacementConfig(
    int ringSegments,
    int expectedVoters,
    long leaseMillis,
    int maxMovesPerTick,
    int maxOpenSegments) {

  /**
   * How many lease lengths a member must have been registered before rebalancing gives it segments
   * (ADR 30): a node that just restarted is still warming up, and a segment moved onto it then is a
   * second hand-over that clients notice.
   */
  public static final int REBALANCE_DELAY_LEASES = 5;

  /** The default cap on open segments. */
  public static final int DEFAULT_MAX_OPEN_SEGMENTS = 1024;

  public static final PlacementConfig DEFAULT =
      new PlacementConfig(32, 3, 10_000, 4, DEFAULT_MAX_OPEN_SEGMENTS);

  public PlacementConfig {
    if (ringSegments < 1 || ringSegments > 65_536) {
      throw new IllegalArgumentException("ringSegments must be in 1..65536, was " + ringSegments);
    }
    if (expectedVoters < 1) {
      throw new IllegalArgumentException(
          "expectedVoters must be at least 1, was " + expectedVoters);
    }
    if (leaseMillis < 100) {
      throw new IllegalArgumentException("leaseMillis must be at least 100, was " + leaseMillis);
    }
    if (maxMovesPerTick < 1) {
      throw new IllegalArgumentException(
          "maxMovesPerTick must be at least 1, was " + maxMovesPerTick);
    }
    if (maxOpenSegments < 0 || maxOpenSegments > 0 && maxOpenSegments < ringSegments) {
      throw new IllegalArgumentException(
          "maxOpenSegments must be 0 (no cap) or at least ringSegments ("
              + ringSegments
              + "), was "
              + maxOpenSegments);
    }
  }

  /**
   * A policy with the default cap on open segments ({@value #DEFAULT_MAX_OPEN_SEGMENTS}, or {@code
   * ringSegments} when the ring starts with more).
   */
  public PlacementConfig(
      int ringSegments, int expectedVoters, long leaseMillis, int maxMovesPerTick) {
    this(
        ringSegments,
        expectedVoters,
        leaseMillis,
        maxMovesPerTick,
        Math.max(DEFAULT_MAX_OPEN_SEGMENTS, ringSegments));
  }

  /**
   * How long (log time, ms) a member must have been registered before rebalancing moves segments
   * from live owners onto it: {@value #REBALANCE_DELAY_LEASES} leases. Orphaned segments (whose
   * owner is gone) go to settled members first, to a new member only when no other is live.
   */
  public long rebalanceDelayMillis() {
    return REBALANCE_DELAY_LEASES * leaseMillis;
  }

  /** This policy with another cap on open segments (0: none). */
  public PlacementConfig withMaxOpenSegments(int maxOpenSegments) {
    return new PlacementConfig(
        ringSegments, expectedVoters, leaseMillis, maxMovesPerTick, maxOpenSegments);
  }
}
