package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fossil.server.Fossil;
import io.fossil.server.KubernetesOptions;
import io.fossil.server.KubernetesPod;
import io.fossil.server.NodeAddressing;
import io.fossil.server.StatefulSetTopology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The node one pod of a rendered StatefulSet would run, configured exactly as {@code fossil node}
 * configures itself, without starting anything: the container's environment as the kubelet builds
 * it (downward API values, the ConfigMap's keys, {@code env} over {@code envFrom}), parsed by the
 * real {@code fossil} command line, then completed by the real {@code --kubernetes} derivation.
 * Only what the manifest gives exists: the kubelet's own {@code HOSTNAME} is left out on purpose,
 * so the manifest must name the pod through {@code POD_NAME}.
 */
final class NodeInPod {

  static final String NAMESPACE = "events";

  /** The second listener for /admin/* and /metrics (COMMON.md contract). */
  static final String ADMIN_PORT = "--admin-port";

  /**
   * Variables the manifests set for options of the server-flag contract (COMMON.md) that fossil
   * node may not read yet; a check that needs one waits (is skipped, saying so) until it does.
   */
  static final Map<String, String> CONTRACT =
      Map.of("FOSSIL_ADMIN_PORT", ADMIN_PORT, "FOSSIL_PERMISSIONS", "--permissions");

  final String podName;
  final String podIp;
  final Map<String, String> environment;
  final CommandSpec options;
  final KubernetesOptions kubernetes;
  final NodeAddressing addressing;

  NodeInPod(Rendering rendering, int ordinal) {
    this.podName = rendering.statefulSet().getMetadata().getName() + "-" + ordinal;
    this.podIp = "10.0.0." + (10 + ordinal);
    this.environment = environment(rendering, rendering.node());
    List<String> args = new ArrayList<>(List.of("node"));
    if (rendering.node().getArgs() != null) {
      args.addAll(rendering.node().getArgs());
    }
    CommandLine cli = Fossil.commandLine(null, environment::get);
    try {
      cli.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      fail(
          "%s: fossil %s with the environment %s: %s",
          rendering.name(), args, environment, e.getMessage());
    }
    this.options = cli.getSubcommands().get("node").getCommandSpec();
    this.kubernetes = (KubernetesOptions) options.mixins().get("kubernetes").userObject();
    NodeAddressing given =
        new NodeAddressing(
            value("--node-id"),
            value("--voters"),
            value("--advertise"),
            value("--http-host"),
            value("--http-port"));
    this.addressing = kubernetes.complete(given, environment::get);
  }

  /** Whether fossil node has {@code option} at all. */
  boolean has(String option) {
    return options.findOption(option) != null;
  }

  /** The value {@code option} takes in this pod (flag, environment or default). */
  @SuppressWarnings("unchecked")
  <T> T value(String option) {
    return (T) options.findOption(option).getValue();
  }

  StatefulSetTopology topology() {
    return kubernetes.topology(
        KubernetesPod.fromEnvironment(environment::get), (Integer) value("--http-port"));
  }

  /** The derived (or given) voters: id → host:port. */
  Map<String, String> voters() {
    Map<String, String> voters = new LinkedHashMap<>();
    for (String entry : addressing.voters().split(",")) {
      String[] kv = entry.split("=", 2);
      voters.put(kv[0], kv[1]);
    }
    return voters;
  }

  private Map<String, String> environment(Rendering rendering, Container container) {
    Map<String, String> env = new LinkedHashMap<>();
    if (container.getEnvFrom() != null) {
      for (EnvFromSource from : container.getEnvFrom()) {
        assertThat(from.getConfigMapRef())
            .as("%s: envFrom other than a ConfigMap", rendering.name())
            .isNotNull();
        ConfigMap map = rendering.configMap(from.getConfigMapRef().getName());
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        map.getData().forEach((k, v) -> env.put(prefix + k, v));
      }
    }
    if (container.getEnv() != null) {
      for (EnvVar var : container.getEnv()) {
        env.put(
            var.getName(), var.getValueFrom() == null ? var.getValue() : resolve(rendering, var));
      }
    }
    return env;
  }

  private String resolve(Rendering rendering, EnvVar var) {
    EnvVarSource from = var.getValueFrom();
    if (from.getFieldRef() != null) {
      String path = from.getFieldRef().getFieldPath();
      return switch (path) {
        case "metadata.name" -> podName;
        case "metadata.namespace" -> NAMESPACE;
        case "status.podIP" -> podIp;
        default ->
            fail(
                "%s: %s comes from %s, which this check does not model",
                rendering.name(), var.getName(), path);
      };
    }
    if (from.getSecretKeyRef() != null) {
      // The Secret is created in the cluster, never rendered; its value is not the manifests'.
      return "<secret "
          + from.getSecretKeyRef().getName()
          + "/"
          + from.getSecretKeyRef().getKey()
          + ">";
    }
    if (from.getConfigMapKeyRef() != null) {
      String value =
          rendering
              .configMap(from.getConfigMapKeyRef().getName())
              .getData()
              .get(from.getConfigMapKeyRef().getKey());
      assertThat(value).as("%s: %s's ConfigMap key", rendering.name(), var.getName()).isNotNull();
      return value;
    }
    return fail(
        "%s: %s comes from a source this check does not model: %s",
        rendering.name(), var.getName(), from);
  }
}
