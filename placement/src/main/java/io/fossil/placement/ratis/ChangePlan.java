package io.fossil.placement.ratis;

import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply.Code;
import io.fossil.placement.VotersReply.Refused;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a {@link VoterChange} asks of the current configuration (ADR 29): the voters after it, or
 * why it must not be tried. Pure: it decides from the leader's view of the group and the addresses
 * the node knows, so every refusal is given before Ratis is asked and changes nothing.
 *
 * <p>The rules: a change needs a stable configuration; it names voters the group has (to remove)
 * and addresses for voters it lacks (to add); it leaves at least one voter; it adds fewer voters
 * than it keeps (Ratis refuses more, RATIS-1912); and the voters that answer the leader now, with
 * the ones it adds (Ratis lets them vote only once they caught up), are a majority of the new
 * configuration — otherwise the change could not commit and the group would stop writing.
 *
 * @param target the voters afterwards, id → Raft address (null when refused)
 * @param refused why not, or null
 * @param readd for {@link VoterChange.Replace}: the voter to add back, id → address, after the
 *     removal; empty otherwise
 */
record ChangePlan(Map<String, String> target, Refused refused, Map<String, String> readd) {

  /** Plans {@code change} against {@code current}; {@code known} are addresses this node knows. */
  static ChangePlan of(Voters current, VoterChange change, Map<String, String> known) {
    if (current.changing()) {
      return refuse(Code.CHANGING, "a membership change is under way; retry once it has committed");
    }
    Map<String, String> now = new TreeMap<>();
    current.voters().forEach(v -> now.put(v.id(), v.address()));
    Map<String, String> target = new TreeMap<>(now);
    Map<String, String> readd = Map.of();
    if (change instanceof VoterChange.Add add) {
      for (Map.Entry<String, Optional<String>> e : add.voters().entrySet()) {
        if (now.containsKey(e.getKey())) {
          continue;
        }
        Optional<String> address = address(e.getKey(), e.getValue(), current, known);
        if (address.isEmpty()) {
          return noAddress(e.getKey());
        }
        target.put(e.getKey(), address.get());
      }
    } else if (change instanceof VoterChange.Remove remove) {
      for (String id : remove.ids()) {
        if (!now.containsKey(id)) {
          return unknown(id, now);
        }
        target.remove(id);
      }
    } else if (change instanceof VoterChange.Replace replace) {
      if (!now.containsKey(replace.id())) {
        return unknown(replace.id(), now);
      }
      target.remove(replace.id());
      readd = Map.of(replace.id(), now.get(replace.id()));
    } else if (change instanceof VoterChange.SetTo set) {
      target.clear();
      for (Map.Entry<String, Optional<String>> e : set.voters().entrySet()) {
        Optional<String> address =
            e.getValue().isPresent() || !now.containsKey(e.getKey())
                ? address(e.getKey(), e.getValue(), current, known)
                : Optional.of(now.get(e.getKey()));
        if (address.isEmpty()) {
          return noAddress(e.getKey());
        }
        target.put(e.getKey(), address.get());
      }
    }
    if (target.isEmpty()) {
      return refuse(Code.INVALID, "the group needs at least one voter; this would remove them all");
    }
    if (target.equals(now)) {
      return refuse(Code.UNCHANGED, "the voters are already " + now.keySet());
    }
    Set<String> added = new LinkedHashSet<>(target.keySet());
    added.removeAll(now.keySet());
    long kept = target.size() - added.size();
    boolean oneToTwo = now.size() == 1 && target.size() == 2 && added.size() == 1;
    if (added.size() >= kept && !oneToTwo) {
      return refuse(
          Code.TOO_MANY_NEW,
          "it adds "
              + added.size()
              + " voters and keeps "
              + kept
              + "; add fewer than it keeps at a time (Raft could otherwise elect no leader)");
    }
    long live =
        added.size()
            + current.voters().stream()
                .filter(v -> target.containsKey(v.id()) && v.healthy())
                .count();
    int majority = target.size() / 2 + 1;
    if (live < majority) {
      List<String> down =
          current.voters().stream().filter(v -> !v.healthy()).map(Voters.Voter::id).toList();
      return refuse(
          Code.NO_LIVE_MAJORITY,
          "the new voters "
              + target.keySet()
              + " would need "
              + majority
              + " that answer, but only "
              + live
              + " do (not answering: "
              + down
              + "); bring voters back first, or remove the ones that are down");
    }
    return new ChangePlan(target, null, readd);
  }

  private static Optional<String> address(
      String id, Optional<String> given, Voters current, Map<String, String> known) {
    if (given.isPresent()) {
      return given;
    }
    Optional<String> listener =
        current.listeners().stream()
            .filter(l -> l.id().equals(id))
            .map(Voters.Voter::address)
            .findFirst();
    return listener.isPresent() ? listener : Optional.ofNullable(known.get(id));
  }

  private static ChangePlan noAddress(String id) {
    return refuse(
        Code.INVALID, "no Raft address is known for " + id + "; give it as " + id + "=host:port");
  }

  private static ChangePlan unknown(String id, Map<String, String> now) {
    return refuse(Code.UNKNOWN_VOTER, id + " is not a voter; the voters are " + now.keySet());
  }

  private static ChangePlan refuse(Code code, String message) {
    return new ChangePlan(null, new Refused(code, message), Map.of());
  }
}
