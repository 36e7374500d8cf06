package io.fossil.placement;

/**
 * Placement policy, identical on every voter (it shapes what apply computes).
 *
 * @param ringSegments how many segments the ring starts with
 * @param expectedVoters live members needed before the first assignment, so a fresh cluster does
 *     not start with a storm of moves
 * @param leaseMillis how long a heartbeat keeps a node's leases
 * @param maxMovesPerTick bound on rebalancing moves per tick
 */
public record PlacementConfig(
    int ringSegments, int expectedVoters, long leaseMillis, int maxMovesPerTick) {

  public static final PlacementConfig DEFAULT = new PlacementConfig(32, 3, 10_000, 4);

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
  }
}
