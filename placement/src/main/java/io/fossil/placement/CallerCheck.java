package io.fossil.placement;

import io.fossil.placement.PlacementCommand.Heartbeat;
import io.fossil.placement.PlacementCommand.Leave;
import io.fossil.placement.PlacementCommand.Register;
import io.fossil.placement.PlacementCommand.ReportSeal;
import io.fossil.placement.PlacementReply.Code;
import io.fossil.placement.PlacementReply.Rejected;
import io.fossil.position.SegmentId;
import io.fossil.security.Principal;
import java.util.Optional;

/**
 * Who may send which command (ADR 27), decided from the principal stamped into the log entry and
 * the state alone, so every replica decides the same. Only nodes speak to placement: a node
 * registers, renews and leaves only as itself, reports the seal of a segment only if it owns one of
 * the segments that followed it on the ring, and may send every other command (the leader's duties,
 * and the admin commands a node relays after checking its HTTP caller's permission). Stateless.
 */
final class CallerCheck {

  private CallerCheck() {}

  /** Why {@code caller} may not send {@code command}; empty if it may. */
  static Optional<Rejected> refusal(
      PlacementCommand command, Principal caller, PlacementState state) {
    if (caller.kind() != Principal.Kind.NODE) {
      return forbidden(caller + " is not a node; only nodes speak to placement");
    }
    String node = caller.name();
    if (command instanceof Register c) {
      return asItself(node, c.nodeId(), "register");
    } else if (command instanceof Heartbeat c) {
      return asItself(node, c.nodeId(), "renew the leases of");
    } else if (command instanceof Leave c) {
      return asItself(node, c.nodeId(), "take out");
    } else if (command instanceof ReportSeal c) {
      return ownsASuccessor(node, c.segment(), state)
          ? Optional.empty()
          : forbidden(
              "node "
                  + node
                  + " owns no segment that followed "
                  + c.segment()
                  + ", so it did not seal it");
    }
    return Optional.empty();
  }

  private static Optional<Rejected> asItself(String caller, String nodeId, String what) {
    return caller.equals(nodeId)
        ? Optional.empty()
        : forbidden("node " + caller + " may not " + what + " node " + nodeId);
  }

  /** The segments that took over a sealed one keep their owner, even once sealed themselves. */
  private static boolean ownsASuccessor(String node, SegmentId sealed, PlacementState state) {
    for (Segment s : state.segments()) {
      if (node.equals(s.owner()) && sealed.isAncestorOf(s.id())) {
        return true;
      }
    }
    return false;
  }

  private static Optional<Rejected> forbidden(String message) {
    return Optional.of(new Rejected(Code.FORBIDDEN, message));
  }
}
