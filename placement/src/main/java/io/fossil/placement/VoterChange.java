package io.fossil.placement;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A change of the placement group's voters that an operator asks for (ADR 29). A voter is named by
 * its node id; one that joins needs its Raft address (host:port), which may be left out when the
 * node that carries out the change already knows it (from its own list of voters). Immutable; the
 * constructors throw {@link IllegalArgumentException} for an empty or malformed request.
 */
public sealed interface VoterChange {

  /** Adds voters: id → Raft address, or an empty address to look it up. */
  record Add(Map<String, Optional<String>> voters) implements VoterChange {
    public Add {
      voters = checked(voters, "add");
    }
  }

  /** Removes voters. */
  record Remove(List<String> ids) implements VoterChange {
    public Remove {
      ids = List.copyOf(ids);
      if (ids.isEmpty() || ids.stream().distinct().count() != ids.size()) {
        throw new IllegalArgumentException("remove names no voter, or one twice");
      }
      ids.forEach(VoterChange::checkId);
    }
  }

  /**
   * Takes a voter whose Raft storage is lost out of the group and, once its node runs again with an
   * empty Raft directory, back in under the same id and address: remove, then add.
   */
  record Replace(String id) implements VoterChange {
    public Replace {
      checkId(id);
    }
  }

  /** Makes exactly these the voters: id → Raft address (empty: keep or look up). */
  record SetTo(Map<String, Optional<String>> voters) implements VoterChange {
    public SetTo {
      voters = checked(voters, "voters");
    }
  }

  private static Map<String, Optional<String>> checked(
      Map<String, Optional<String>> voters, String what) {
    if (voters.isEmpty()) {
      throw new IllegalArgumentException(what + " names no voter");
    }
    Map<String, Optional<String>> copy = new LinkedHashMap<>();
    voters.forEach(
        (id, address) -> {
          checkId(id);
          Objects.requireNonNull(address, "address");
          address.ifPresent(VoterChange::checkAddress);
          copy.put(id, address);
        });
    return java.util.Collections.unmodifiableMap(copy);
  }

  private static void checkId(String id) {
    if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
      throw new IllegalArgumentException("'" + id + "' is not a node id");
    }
  }

  private static void checkAddress(String address) {
    if (!address.matches("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]\\s]+):\\d{1,5}")) {
      throw new IllegalArgumentException("'" + address + "' is not a Raft address (host:port)");
    }
  }
}
