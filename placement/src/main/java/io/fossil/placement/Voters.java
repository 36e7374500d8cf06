package io.fossil.placement;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The placement group's Raft configuration as its leader sees it (ADR 29): the voters, the
 * listeners (members that receive the log but do not vote), the leader, and whether a membership
 * change is under way. Immutable; no Raft types, so the HTTP layer can show it.
 *
 * @param leader the id of the voter that answered as leader
 * @param changing whether the group is between two configurations (joint consensus): no other
 *     change is accepted until it ends
 * @param voters every voting member, in id order; while {@code changing}, those of the old and the
 *     new configuration
 * @param listeners members that replicate the log without voting
 */
public record Voters(String leader, boolean changing, List<Voter> voters, List<Voter> listeners) {

  /** What a member is to the group. */
  public enum Role {
    LEADER,
    FOLLOWER,
    /** In the new configuration of a change under way, not in the old one. */
    JOINING,
    /** In the old configuration of a change under way, not in the new one. */
    LEAVING,
    LISTENER
  }

  /**
   * One member as the leader sees it.
   *
   * @param address its Raft address (host:port)
   * @param commitIndex the highest log index it reported committed; -1 when not known
   * @param lastContactMillis how long ago the leader last heard from it (0 for the leader); -1 when
   *     not known
   * @param healthy whether it answers the leader now (the leader itself always does)
   */
  public record Voter(
      String id,
      String address,
      Role role,
      long commitIndex,
      long lastContactMillis,
      boolean healthy) {

    public Voter {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(role, "role");
    }
  }

  public Voters {
    Objects.requireNonNull(leader, "leader");
    voters = List.copyOf(voters);
    listeners = List.copyOf(listeners);
  }

  /** The voter with this id, if it is one. */
  public Optional<Voter> voter(String id) {
    return voters.stream().filter(v -> v.id().equals(id)).findFirst();
  }

  /** Whether {@code id} is a member of the group, voting or listening. */
  public boolean isMember(String id) {
    return voter(id).isPresent() || listeners.stream().anyMatch(l -> l.id().equals(id));
  }
}
