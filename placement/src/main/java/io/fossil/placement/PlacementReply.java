package io.fossil.placement;

import io.fossil.position.SegmentId;
import java.util.List;

/** The placement group's answer to a {@link PlacementCommand}. */
public sealed interface PlacementReply {

  /**
   * The placement version a change or an acknowledgement brought (a node that waits for its view to
   * reach it sees the command applied); -1 for a lease or a refusal.
   */
  default long changedVersion() {
    return this instanceof Changed c ? c.version() : this instanceof Ok ok ? ok.version() : -1;
  }

  /** Done; {@code version} is the placement version after the command. */
  record Ok(long version) implements PlacementReply {}

  /** Heartbeat or registration accepted: leases run until {@code leaseDeadline} (log time). */
  record Leased(long version, long leaseDeadline) implements PlacementReply {}

  /** A topology change was made; {@code created} are the new segments. */
  record Changed(long version, List<SegmentId> created) implements PlacementReply {}

  /** Refused; nothing changed. {@code message} is for people. */
  record Rejected(Code code, String message) implements PlacementReply {}

  /** Why a command was refused: one stable code per reason. */
  enum Code {
    UNKNOWN_MEMBER,
    STALE_INCARNATION,
    UNKNOWN_SEGMENT,
    SEGMENT_NOT_OPEN,
    BAD_SPLIT_POINT,
    NOT_ADJACENT,
    NO_LIVE_TARGET,
    SEQUENCES_EXHAUSTED,
    CONFLICT,
    NOT_INITIALIZED,
    NOT_COMPACTABLE,
    /** The calling principal may not send this command (ADR 27); nothing changed. */
    FORBIDDEN,
    /**
     * A split would open more segments than {@link PlacementConfig#maxOpenSegments()}; nothing
     * changed.
     */
    SEGMENT_CAP
  }
}
