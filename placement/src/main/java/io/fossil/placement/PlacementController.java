package io.fossil.placement;

import io.fossil.placement.PlacementCommand.Compact;
import io.fossil.placement.PlacementCommand.Heartbeat;
import io.fossil.placement.PlacementCommand.LeaderChanged;
import io.fossil.placement.PlacementCommand.Leave;
import io.fossil.placement.PlacementCommand.Merge;
import io.fossil.placement.PlacementCommand.Move;
import io.fossil.placement.PlacementCommand.Register;
import io.fossil.placement.PlacementCommand.ReportSeal;
import io.fossil.placement.PlacementCommand.ReserveSequences;
import io.fossil.placement.PlacementCommand.Split;
import io.fossil.placement.PlacementCommand.Tick;
import io.fossil.placement.PlacementReply.Code;
import io.fossil.placement.PlacementReply.Rejected;
import io.fossil.security.Principal;
import java.util.List;
import java.util.Optional;

/**
 * Turns a {@link PlacementCommand} into {@link PlacementRecord}s and a {@link PlacementReply},
 * replaying each record on the state as it goes (replay is the only mutation). Deterministic: the
 * same state, command and log time give the same records on every replica, so it runs inside the
 * state machine's apply. A command is validated before its first record, so a rejection changes
 * nothing.
 *
 * <p>Segment transitions (ADR 0007):
 *
 * <pre>
 *   (none) --initial assignment--> OPEN
 *   OPEN --move / lease expiry / new incarnation / leave--> SEALED + 1 successor (same range)
 *   OPEN --split--> SEALED + 2 successors (lower and upper half)
 *   OPEN, OPEN (adjacent) --merge--> SEALED, SEALED + 1 successor (the union)
 *   SEALED --report seal--> SEALED with its final counter
 *   SEALED, SEALED, ... (one linear run) --compact--> SEALED (the first one's id; the rest retired)
 * </pre>
 *
 * <p>Membership commands are handled here; {@link Housekeeping} runs after each of them and on
 * every tick, and {@link TopologyCommands} handles the commands that change the DAG on request.
 */
public final class PlacementController {

  /** Outcome of one command. */
  public record Result(List<PlacementRecord> records, PlacementReply reply) {}

  private final PlacementState state;
  private final CommandRecords records;
  private final Housekeeping housekeeping;
  private final TopologyCommands topology;

  public PlacementController(PlacementState state) {
    this.state = state;
    this.records = new CommandRecords(state);
    this.housekeeping = new Housekeeping(records);
    this.topology = new TopologyCommands(records, housekeeping);
  }

  public PlacementState state() {
    return state;
  }

  /**
   * A new leader, or a log whose time jumped by more than this fraction of the lease since the
   * previous command, grants one lease of grace: see {@link #execute(PlacementCommand, long,
   * long)}. Leaders tick about ten times per lease and nodes heartbeat four times, so a live group
   * never leaves such a gap.
   */
  static final int JUMP_DIVISOR = 4;

  // The grace the command being executed grants (it depends on the command's format).
  private long graceMillis;

  /**
   * Executes one command at log time {@code logTime} (clamped so time never goes backwards),
   * without a Raft term: neither a new term nor a jump in log time grants grace, as for a command
   * logged before terms were tracked (see {@link PlacementCodec#tracksTerms}).
   */
  public Result execute(PlacementCommand command, long logTime) {
    return execute(command, logTime, 0);
  }

  /**
   * Executes one command logged in Raft term {@code term} (0: none) at log time {@code logTime}.
   * Before anything else, the first command of a higher term, or one whose log time is more than a
   * quarter lease past the previous command's, grants one lease of grace (ADR 10): since the
   * previous command nobody could renew a lease, and expiring by the deadlines of then would take
   * the segments of every node that did not reach the new leader first.
   */
  public Result execute(PlacementCommand command, long logTime, long term) {
    return execute(command, logTime, term, 3);
  }

  /**
   * As {@link #execute(PlacementCommand, long, long)}, for a command logged in encoding {@code
   * format} ({@link PlacementCodec#format}): from format 4 on, the grace lasts half a lease (ADR
   * 30), long enough for the members to renew with the new leader — they heartbeat eight times a
   * lease — and short enough that a dead node that also led the group is replaced within a lease
   * and a second; a command of an older format grants a whole lease, as it did when logged.
   */
  public Result execute(PlacementCommand command, long logTime, long term, int format) {
    graceMillis = format >= 4 ? state.config().leaseMillis() / 2 : state.config().leaseMillis();
    records.begin();
    long previous = state.time();
    if (logTime > previous) {
      records.emit(new PlacementRecord.ClockAdvanced(logTime));
    }
    if (term > 0) {
      boolean newTerm = term > state.term();
      if (newTerm) {
        records.emit(new PlacementRecord.TermBegan(term));
      }
      if (newTerm || logTime - previous > state.config().leaseMillis() / JUMP_DIVISOR) {
        grantGrace();
      }
    }
    PlacementReply reply = dispatch(command);
    return new Result(records.end(), reply);
  }

  /**
   * As {@link #execute(PlacementCommand, long)}, for a command {@code caller} sent: a command the
   * caller may not send (ADR 27) is a {@link Code#FORBIDDEN} refusal that emits no record, not even
   * the clock's.
   */
  public Result execute(PlacementCommand command, long logTime, Principal caller) {
    return execute(command, logTime, 0, caller);
  }

  /**
   * As {@link #execute(PlacementCommand, long, long)}, for a command {@code caller} sent: a command
   * the caller may not send (ADR 27) is a {@link Code#FORBIDDEN} refusal that emits no record, not
   * even the clock's or the term's.
   */
  public Result execute(PlacementCommand command, long logTime, long term, Principal caller) {
    return execute(command, logTime, term, 3, caller);
  }

  /**
   * As {@link #execute(PlacementCommand, long, long, int)}, for a command {@code caller} sent: a
   * command the caller may not send (ADR 27) is a {@link Code#FORBIDDEN} refusal that emits no
   * record.
   */
  public Result execute(
      PlacementCommand command, long logTime, long term, int format, Principal caller) {
    Optional<Rejected> refused = CallerCheck.refusal(command, caller, state);
    if (refused.isPresent()) {
      return new Result(List.of(), refused.get());
    }
    return execute(command, logTime, term, format);
  }

  private void grantGrace() {
    records.emit(new PlacementRecord.GraceGranted(records.now() + graceMillis));
  }

  private PlacementReply dispatch(PlacementCommand command) {
    if (command instanceof ReserveSequences c) {
      return reserve(c);
    } else if (command instanceof Register c) {
      return register(c);
    } else if (command instanceof Heartbeat c) {
      return heartbeat(c);
    } else if (command instanceof Leave c) {
      return leave(c);
    } else if (command instanceof Tick) {
      housekeeping.run();
      return new PlacementReply.Ok(state.version());
    } else if (command instanceof LeaderChanged) {
      // Sent by leaders before the state machine granted grace on a new term itself; still in
      // old logs, and still grants it.
      grantGrace();
      return new PlacementReply.Ok(state.version());
    } else if (command instanceof Move c) {
      return topology.move(c);
    } else if (command instanceof Split c) {
      return topology.split(c);
    } else if (command instanceof Merge c) {
      return topology.merge(c);
    } else if (command instanceof ReportSeal c) {
      return topology.reportSeal(c);
    } else if (command instanceof Compact c) {
      return topology.compact(c);
    }
    throw new IllegalArgumentException("unknown command " + command);
  }

  // ------------------------------------------------------------------ membership

  private PlacementReply reserve(ReserveSequences c) {
    if (state.clusterId().isPresent() && !state.clusterId().get().equals(c.clusterId())) {
      return new Rejected(
          Code.CONFLICT,
          "the store belongs to cluster "
              + c.clusterId()
              + " but placement has "
              + state.clusterId().get());
    }
    if (c.lastSeq() < c.firstSeq() || c.lastSeq() <= state.lastSeq()) {
      return new Rejected(Code.CONFLICT, "reservation does not extend the sequences already held");
    }
    records.emit(new PlacementRecord.SequencesReserved(c.clusterId(), c.firstSeq(), c.lastSeq()));
    housekeeping.run();
    return new PlacementReply.Ok(state.version());
  }

  private PlacementReply register(Register c) {
    Optional<Member> existing = state.member(c.nodeId());
    if (existing.isPresent() && existing.get().incarnation() > c.incarnation()) {
      return new Rejected(
          Code.STALE_INCARNATION, "node " + c.nodeId() + " already registered a newer incarnation");
    }
    if (existing.isPresent() && existing.get().incarnation() == c.incarnation()) {
      records.emit(new PlacementRecord.MemberRenewed(c.nodeId()));
    } else {
      // A new incarnation never resumes a lease in place: the old one's segments become orphans,
      // and housekeeping gives them successors (DESIGN invariant 9).
      existing.ifPresent(m -> records.emit(new PlacementRecord.MemberRemoved(m.nodeId())));
      records.emit(
          new PlacementRecord.MemberJoined(
              c.nodeId(), c.incarnation(), c.httpAddress(), c.raftAddress(), c.settles()));
    }
    housekeeping.run();
    return leased(c.nodeId());
  }

  private PlacementReply heartbeat(Heartbeat c) {
    Optional<Member> m = state.member(c.nodeId());
    if (m.isEmpty()) {
      return new Rejected(
          Code.UNKNOWN_MEMBER, "node " + c.nodeId() + " is not a member; register again");
    }
    if (m.get().incarnation() != c.incarnation()) {
      return new Rejected(
          Code.STALE_INCARNATION, "node " + c.nodeId() + " is registered with another incarnation");
    }
    records.emit(new PlacementRecord.MemberRenewed(c.nodeId()));
    housekeeping.run();
    return leased(c.nodeId());
  }

  private PlacementReply leased(String nodeId) {
    long deadline = state.member(nodeId).map(Member::leaseDeadline).orElse(0L);
    return new PlacementReply.Leased(state.version(), deadline);
  }

  private PlacementReply leave(Leave c) {
    Optional<Member> m = state.member(c.nodeId());
    if (m.isEmpty()) {
      return new PlacementReply.Ok(state.version());
    }
    if (m.get().incarnation() != c.incarnation()) {
      return new Rejected(
          Code.STALE_INCARNATION, "node " + c.nodeId() + " has another incarnation");
    }
    if (!m.get().leaving()) {
      records.emit(new PlacementRecord.MemberLeaving(c.nodeId()));
    }
    housekeeping.run();
    return new PlacementReply.Ok(state.version());
  }
}
