package io.fossil.server;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The addresses of a Fossil StatefulSet's pods, as its headless Service publishes them in DNS: pod
 * {@code i} is {@code <statefulset>-i.<service>.<namespace>.svc.<clusterDomain>}. The first {@code
 * voters} pods (ordinals {@code 0 .. voters-1}) are the placement voters; every other pod is a
 * plain writer. These names exist as soon as a pod has an IP, ready or not, because the headless
 * Service publishes not-ready addresses — the voters must reach each other before any of them is
 * ready.
 *
 * <p>Pure and immutable; the constructor throws {@link IllegalArgumentException} for a value that
 * cannot form a DNS name or a port.
 */
public record StatefulSetTopology(
    String statefulSet,
    String service,
    String namespace,
    String clusterDomain,
    int voterCount,
    int raftPort,
    int httpPort) {

  public StatefulSetTopology {
    KubernetesPod.requireDnsLabel(statefulSet, "StatefulSet name");
    KubernetesPod.requireDnsLabel(service, "headless Service name");
    KubernetesPod.requireDnsLabel(namespace, "namespace");
    if (clusterDomain == null
        || !clusterDomain.matches(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
      throw new IllegalArgumentException(
          "cluster domain '" + clusterDomain + "' is not a DNS name, such as cluster.local");
    }
    if (voterCount < 1) {
      throw new IllegalArgumentException(
          "a StatefulSet needs at least 1 placement voter, was " + voterCount);
    }
    requirePort(raftPort, "Raft port");
    requirePort(httpPort, "HTTP port");
  }

  /** The headless Service conventionally named after the StatefulSet, {@code fossil-headless}. */
  public static String defaultService(String statefulSet) {
    return statefulSet + "-headless";
  }

  /** The pod's name, {@code <statefulset>-<ordinal>}: its node id. */
  public String podName(int ordinal) {
    return statefulSet + "-" + ordinal;
  }

  /** The pod's fully qualified DNS name under the headless Service. */
  public String host(int ordinal) {
    return podName(ordinal) + "." + service + "." + namespace + ".svc." + clusterDomain;
  }

  public boolean isVoter(int ordinal) {
    return ordinal >= 0 && ordinal < voterCount;
  }

  /** Every voter's id → Raft address (host:port), in ordinal order. */
  public Map<String, String> voters() {
    Map<String, String> voters = new LinkedHashMap<>();
    for (int i = 0; i < voterCount; i++) {
      voters.put(podName(i), host(i) + ":" + raftPort);
    }
    return Collections.unmodifiableMap(voters);
  }

  /** {@link #voters()} in the form of {@code --voters}: {@code id=host:port,...}. */
  public String votersOption() {
    return voters().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  /** The host:port the pod advertises to clients and other nodes (redirects name it). */
  public String advertise(int ordinal) {
    return host(ordinal) + ":" + httpPort;
  }

  private static void requirePort(int port, String what) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " must be between 1 and 65535, was " + port);
    }
  }
}
