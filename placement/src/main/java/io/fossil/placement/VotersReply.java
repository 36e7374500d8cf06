package io.fossil.placement;

import java.util.Objects;

/**
 * How a {@link VoterChange} ended: the voters afterwards, or why nothing changed (or, for {@link
 * VoterChange.Replace}, what changed before it stopped). Refusals are values; a group that cannot
 * be reached fails the future instead.
 */
public sealed interface VotersReply {

  /** The change is committed; {@code voters} is the configuration after it. */
  record Changed(Voters voters) implements VotersReply {
    public Changed {
      Objects.requireNonNull(voters, "voters");
    }
  }

  /** Nothing changed (see each code), unless {@code code} says otherwise. */
  record Refused(Code code, String message) implements VotersReply {
    public Refused {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Why a change was refused. */
  enum Code {
    /** The request does not make sense (no address for a new voter, no voter left). */
    INVALID,
    /** It names a voter the group does not have. */
    UNKNOWN_VOTER,
    /** The group already has exactly the voters asked for. */
    UNCHANGED,
    /** It adds as many voters as it keeps: add them a few at a time. */
    TOO_MANY_NEW,
    /**
     * The voters that answer the leader now would not be a majority of the new configuration, so
     * the change could not commit and the group would stop.
     */
    NO_LIVE_MAJORITY,
    /** Another change is under way, or the configuration moved meanwhile; retry. */
    CHANGING,
    /**
     * A new voter did not answer or catch up in time (is its node running, with a Raft directory it
     * may use?). For {@link VoterChange.Replace} the old voter was removed before this.
     */
    NOT_CAUGHT_UP,
    /** The node asked is not a voter, and only voters may change the group: ask a voter. */
    NOT_A_VOTER
  }
}
