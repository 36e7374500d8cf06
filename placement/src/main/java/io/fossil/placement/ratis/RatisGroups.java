package io.fossil.placement.ratis;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/** Builds the Raft group from the configured voters; the group id derives from its name. */
final class RatisGroups {

  private RatisGroups() {}

  static RaftGroup group(String name, Map<String, String> peers) {
    RaftGroupId id =
        RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes(("fossil-placement/" + name).getBytes(StandardCharsets.UTF_8)));
    return RaftGroup.valueOf(
        id,
        new TreeMap<>(peers)
            .entrySet().stream()
                .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build())
                .toList());
  }

  /** The host of a Raft address (host:port, or [v6]:port), without brackets. */
  static String host(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("Raft address '" + address + "' has no host (host:port)");
    }
    String host = address.substring(0, colon);
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static int port(String address) {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("Raft address '" + address + "' has no port (host:port)");
    }
    try {
      return Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Raft address '" + address + "' has a bad port", e);
    }
  }
}
