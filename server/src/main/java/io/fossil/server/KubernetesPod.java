package io.fossil.server;

import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a pod of a StatefulSet knows about itself from its environment: its StatefulSet and ordinal
 * (from the pod name, {@code fossil-2} → {@code fossil}, 2), its namespace and its IP. The pod name
 * is stable across restarts and rescheduling, so it is the node id; the ordinal decides whether the
 * pod is a placement voter ({@link StatefulSetTopology}).
 *
 * <p>The container gets these from the downward API ({@code deploy/k8s/base/statefulset.yaml}).
 * Pure and immutable; {@link #fromEnvironment} throws {@link IllegalArgumentException} naming the
 * variable that is missing or malformed.
 */
public record KubernetesPod(String statefulSet, int ordinal, String namespace, String ip) {

  /** The pod's name ({@code fieldPath: metadata.name}); {@link #HOSTNAME} if unset. */
  public static final String POD_NAME = "POD_NAME";

  /**
   * Set by the kubelet to the pod name for StatefulSet pods; the fallback for {@link #POD_NAME}.
   */
  public static final String HOSTNAME = "HOSTNAME";

  /** The pod's namespace ({@code fieldPath: metadata.namespace}). */
  public static final String POD_NAMESPACE = "POD_NAMESPACE";

  /** The pod's IP ({@code fieldPath: status.podIP}); needed only to bind to it. */
  public static final String POD_IP = "POD_IP";

  /**
   * A StatefulSet pod is named {@code <statefulset>-<ordinal>}; the StatefulSet name is a DNS label
   * (the pod name is the pod's hostname). No leading zeros: the ordinal is printed by Kubernetes.
   */
  private static final Pattern POD =
      Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?)-(0|[1-9]\\d{0,8})");

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  public KubernetesPod {
    requireDnsLabel(statefulSet, "StatefulSet name");
    requireDnsLabel(namespace, "namespace");
    if (ordinal < 0) {
      throw new IllegalArgumentException("a pod ordinal is never negative, was " + ordinal);
    }
  }

  /**
   * Parses a pod name such as {@code fossil-2}.
   *
   * @param ip the pod IP, or null if unknown
   */
  public static KubernetesPod of(String podName, String namespace, String ip) {
    Objects.requireNonNull(podName, "podName");
    Matcher m = POD.matcher(podName);
    if (!m.matches() || podName.length() > 63) {
      throw new IllegalArgumentException(
          "pod name '"
              + podName
              + "' is not the name of a StatefulSet pod (<statefulset>-<ordinal>, such as"
              + " fossil-0, at most 63 characters): run the node in a StatefulSet, or give"
              + " --node-id and --voters instead of --kubernetes");
    }
    return new KubernetesPod(m.group(1), Integer.parseInt(m.group(3)), namespace, ip);
  }

  /**
   * Reads {@link #POD_NAME} (else {@link #HOSTNAME}), {@link #POD_NAMESPACE} and, if present,
   * {@link #POD_IP} from {@code env}.
   */
  public static KubernetesPod fromEnvironment(Function<String, String> env) {
    String name = nonEmpty(env.apply(POD_NAME));
    if (name == null) {
      name = nonEmpty(env.apply(HOSTNAME));
    }
    if (name == null) {
      throw new IllegalArgumentException(
          "neither "
              + POD_NAME
              + " nor "
              + HOSTNAME
              + " is set: give the container "
              + POD_NAME
              + " from the downward API (fieldPath: metadata.name)");
    }
    String namespace = nonEmpty(env.apply(POD_NAMESPACE));
    if (namespace == null) {
      throw new IllegalArgumentException(
          POD_NAMESPACE
              + " is not set: give the container "
              + POD_NAMESPACE
              + " from the downward API (fieldPath: metadata.namespace)");
    }
    return of(name, namespace, nonEmpty(env.apply(POD_IP)));
  }

  /** The pod name, {@code <statefulset>-<ordinal>}: the node id. */
  public String name() {
    return statefulSet + "-" + ordinal;
  }

  static void requireDnsLabel(String value, String what) {
    if (value == null || value.length() > 63 || !DNS_LABEL.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what
              + " '"
              + value
              + "' is not a DNS label (lower-case letters, digits and '-', at most 63"
              + " characters)");
    }
  }

  private static String nonEmpty(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
