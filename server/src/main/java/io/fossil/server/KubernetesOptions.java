package io.fossil.server;

import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The options of {@code fossil node --kubernetes}: in a pod of a StatefulSet, the node takes its id
 * from the pod name, its voters from the StatefulSet's first pods under the headless Service, its
 * advertised address from its own pod DNS name, and binds to the pod IP ({@link KubernetesPod},
 * {@link StatefulSetTopology}). Whatever the flags, the environment ({@code FOSSIL_*}) or the
 * configuration file set explicitly wins over the derived value.
 *
 * <p>A picocli mixin of {@code fossil node}; {@link #complete} is pure apart from reading the
 * environment it is given.
 */
public final class KubernetesOptions {

  @Option(
      names = "--kubernetes",
      description =
          "derive --node-id, --voters, --advertise and --http-host from the StatefulSet pod this"
              + " runs in ($POD_NAME or $HOSTNAME, $POD_NAMESPACE, $POD_IP)")
  private boolean enabled;

  @Option(
      names = "--kubernetes-voters",
      description =
          "with --kubernetes: how many of the first pods are placement voters (default: ${DEFAULT-VALUE})")
  private int voters = 3;

  @Option(
      names = "--kubernetes-service",
      description =
          "with --kubernetes: the StatefulSet's headless Service (default: <statefulset>-headless)")
  private String service;

  @Option(
      names = "--kubernetes-raft-port",
      description = "with --kubernetes: every voter's Raft port (default: ${DEFAULT-VALUE})")
  private int raftPort = 7081;

  @Option(
      names = "--kubernetes-cluster-domain",
      description = "with --kubernetes: the cluster's DNS domain (default: ${DEFAULT-VALUE})")
  private String clusterDomain = "cluster.local";

  public boolean enabled() {
    return enabled;
  }

  /**
   * Fills what {@code given} leaves null from the pod's environment when {@code --kubernetes} is
   * on; returns {@code given} unchanged otherwise.
   *
   * @throws IllegalArgumentException if the environment lacks a variable the derivation needs or
   *     holds a malformed one; the message names it
   */
  public NodeAddressing complete(NodeAddressing given, Function<String, String> env) {
    if (!enabled) {
      return given;
    }
    KubernetesPod pod = KubernetesPod.fromEnvironment(env);
    StatefulSetTopology topology = topology(pod, given.httpPort());
    String host = blankToNull(given.httpHost());
    if (host == null) {
      if (pod.ip() == null) {
        throw new IllegalArgumentException(
            KubernetesPod.POD_IP
                + " is not set: give the container "
                + KubernetesPod.POD_IP
                + " from the downward API (fieldPath: status.podIP), or --http-host");
      }
      host = pod.ip();
    }
    return new NodeAddressing(
        orElse(given.nodeId(), pod.name()),
        orElse(given.voters(), topology.votersOption()),
        orElse(given.advertise(), topology.advertise(pod.ordinal())),
        host,
        given.httpPort());
  }

  /** The StatefulSet {@code pod} belongs to, as these options describe it. */
  public StatefulSetTopology topology(KubernetesPod pod, int httpPort) {
    String headless = blankToNull(service);
    return new StatefulSetTopology(
        pod.statefulSet(),
        headless != null ? headless : StatefulSetTopology.defaultService(pod.statefulSet()),
        pod.namespace(),
        clusterDomain,
        voters,
        raftPort,
        httpPort);
  }

  private static String orElse(String explicit, String derived) {
    String s = blankToNull(explicit);
    return s != null ? s : derived;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
