package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fossil.kv.KvStores;
import io.fossil.server.Fossil;
import io.fossil.server.KubernetesPod;
import io.fossil.server.StatefulSetTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every overlay as kustomize renders it, parsed into typed objects and checked against the node it
 * deploys: each pod's node is configured by the real {@code fossil node} command line from the
 * pod's environment ({@link NodeInPod}), so ports, variables, voters and paths are compared with
 * what the node would really use, not with copies of its defaults.
 */
class RenderedOverlaysTest {

  /**
   * What Node.close() may take after the hand-over: the HTTP server (up to 5 s), then the store.
   */
  private static final Duration CLOSE_MARGIN = Duration.ofSeconds(10);

  private static final Map<String, Rendering> RENDERED = new ConcurrentHashMap<>();

  static Stream<String> overlays() {
    return Repository.OVERLAYS.stream();
  }

  static Rendering rendered(String overlay) {
    return RENDERED.computeIfAbsent(
        overlay, o -> Rendering.of("overlay " + o, Kustomize.render(Repository.overlay(o))));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyObjectIsOfAKnownKindAndHasNoUnknownField(String overlay) {
    Rendering r = rendered(overlay);

    List<String> kinds =
        new ArrayList<>(
            List.of(
                "ServiceAccount",
                "ConfigMap",
                "Service",
                "Service",
                "StatefulSet",
                "PodDisruptionBudget",
                "NetworkPolicy"));
    if (!Repository.INSECURE_OVERLAYS.contains(overlay)) {
      kinds.add("ConfigMap"); // the permissions
    }
    assertThat(r.objects())
        .extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrderElementsOf(kinds);
    for (HasMetadata object : r.objects()) {
      assertThat(KubernetesYaml.unknownFields(object)).as("%s: unknown fields", overlay).isEmpty();
    }
  }

  @Test
  void theBaseAndTheSecureLayerRenderAloneButGiveTheNodeNoStore() {
    for (Path dir : List.of(Repository.base(), Repository.secure())) {
      Rendering layer = Rendering.of(dir.toString(), Kustomize.render(dir));

      for (HasMetadata object : layer.objects()) {
        assertThat(KubernetesYaml.unknownFields(object)).isEmpty();
      }
      assertThatThrownBy(() -> new NodeInPod(layer, 0)).hasMessageContaining("--store");
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void selectorsMatchThePodsLabels(String overlay) {
    Rendering r = rendered(overlay);
    StatefulSet set = r.statefulSet();
    Map<String, String> labels = set.getSpec().getTemplate().getMetadata().getLabels();

    assertSelects(set.getSpec().getSelector(), labels, "the StatefulSet's selector");
    for (Service service : r.services()) {
      assertThat(service.getSpec().getSelector()).as("Service %s", name(service)).isNotEmpty();
      assertThat(labels)
          .as("Service %s selects the pods", name(service))
          .containsAllEntriesOf(service.getSpec().getSelector());
    }
    for (PodDisruptionBudget budget : r.budgets()) {
      assertSelects(budget.getSpec().getSelector(), labels, "the PodDisruptionBudget's selector");
    }
    PodSpec pod = set.getSpec().getTemplate().getSpec();
    for (PodAffinityTerm term :
        pod.getAffinity()
            .getPodAntiAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()) {
      assertSelects(term.getLabelSelector(), labels, "the anti-affinity term");
    }
    pod.getTopologySpreadConstraints()
        .forEach(c -> assertSelects(c.getLabelSelector(), labels, "the spread constraint"));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void podsStartTogetherAndFindEachOtherBeforeAnyIsReady(String overlay) {
    Rendering r = rendered(overlay);
    StatefulSet set = r.statefulSet();

    assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    Service headless = r.service(set.getSpec().getServiceName());
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(set.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void eachPodRunsANodeNamedAfterItWithTheFirstPodsAsVoters(String overlay) {
    Rendering r = rendered(overlay);
    StatefulSet set = r.statefulSet();
    int replicas = set.getSpec().getReplicas();
    String headless = set.getSpec().getServiceName();

    for (int i = 0; i < replicas; i++) {
      NodeInPod node = new NodeInPod(r, i);
      StatefulSetTopology topology = node.topology();
      int raftPort = node.value("--kubernetes-raft-port");
      int voters = topology.voterCount();

      assertThat(voters).as("voters can be at most the replicas").isBetween(1, replicas);
      assertThat(topology.service())
          .as("the headless Service the node derives")
          .isEqualTo(headless);
      assertThat(node.addressing.nodeId()).isEqualTo(node.podName);
      assertThat(node.voters().keySet())
          .containsExactlyElementsOf(
              IntStream.range(0, voters)
                  .mapToObj(k -> set.getMetadata().getName() + "-" + k)
                  .toList());
      node.voters()
          .forEach(
              (id, address) ->
                  assertThat(address)
                      .isEqualTo(
                          id
                              + "."
                              + headless
                              + "."
                              + NodeInPod.NAMESPACE
                              + ".svc.cluster.local:"
                              + raftPort));
      assertThat(node.addressing.advertise())
          .isEqualTo(
              node.podName
                  + "."
                  + headless
                  + "."
                  + NodeInPod.NAMESPACE
                  + ".svc.cluster.local:"
                  + node.value("--http-port"));
      String explicitHost = node.environment.get("FOSSIL_HTTP_HOST");
      assertThat(node.addressing.httpHost())
          .isEqualTo(explicitHost != null ? explicitHost : node.podIp);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void containerAndServicePortsAreTheNodesPorts(String overlay) {
    Rendering r = rendered(overlay);
    NodeInPod node = new NodeInPod(r, 0);
    Container container = r.node();
    int http = Rendering.containerPort(container, "http");
    int raft = Rendering.containerPort(container, "raft");
    int admin = Rendering.containerPort(container, "admin");

    assertThat(http).isEqualTo((int) node.value("--http-port"));
    assertThat(raft).isEqualTo((int) node.value("--kubernetes-raft-port"));
    if (node.has(NodeInPod.ADMIN_PORT)) {
      assertThat(admin).isEqualTo((Integer) node.value(NodeInPod.ADMIN_PORT));
    }
    for (Service service : r.services()) {
      for (ServicePort port : service.getSpec().getPorts()) {
        assertThat(Rendering.containerPort(container, port.getTargetPort()))
            .as("Service %s port %s", name(service), port.getName())
            .isIn(http, raft, admin);
      }
    }
    Service headless = r.service(r.statefulSet().getSpec().getServiceName());
    assertThat(headless.getSpec().getPorts())
        .extracting(p -> Rendering.containerPort(container, p.getTargetPort()))
        .contains(http, raft, admin);
    Service clients =
        r.services().stream()
            .filter(s -> !"None".equals(s.getSpec().getClusterIP()))
            .findFirst()
            .orElseThrow();
    assertThat(clients.getSpec().getPorts())
        .extracting(p -> Rendering.containerPort(container, p.getTargetPort()))
        .containsExactly(http);
    Map<String, String> annotations =
        r.statefulSet().getSpec().getTemplate().getMetadata().getAnnotations();
    assertThat(annotations)
        .as("/metrics is served on the admin port")
        .containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", String.valueOf(admin));
    for (Probe probe : probes(container)) {
      assertThat(Rendering.containerPort(container, probe.getHttpGet().getPort())).isEqualTo(http);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void probesAreTheBasesWhichARealNodeServes(String overlay) {
    Container rendered = rendered(overlay).node();
    Container base =
        ManifestFilesTest.baseStatefulSet()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);

    // ProbeEndpointsTest asks a running node for the base's probe paths; SecureOverlaysTest
    // checks the scheme, which the secure layer sets.
    assertThat(anyScheme(rendered.getStartupProbe())).isEqualTo(base.getStartupProbe()).isNotNull();
    assertThat(anyScheme(rendered.getLivenessProbe()))
        .isEqualTo(base.getLivenessProbe())
        .isNotNull();
    assertThat(anyScheme(rendered.getReadinessProbe()))
        .isEqualTo(base.getReadinessProbe())
        .isNotNull();
    assertThat(rendered.getReadinessProbe().getHttpGet().getPath())
        .isNotEqualTo(rendered.getLivenessProbe().getHttpGet().getPath());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyVariableSetIsOneTheNodeReads(String overlay) {
    NodeInPod node = new NodeInPod(rendered(overlay), 0);
    Set<String> understood = understoodVariables();
    understood.add(KvStores.PASSWORD_VARIABLE); // read by the store, not by the command line
    Set<String> waiting = new TreeSet<>();
    Set<String> pod =
        Set.of(
            KubernetesPod.POD_NAME,
            KubernetesPod.POD_NAMESPACE,
            KubernetesPod.POD_IP,
            "JAVA_TOOL_OPTIONS");

    for (String name : node.environment.keySet()) {
      if (name.startsWith("FOSSIL_") && !understood.contains(name)) {
        assertThat(NodeInPod.CONTRACT)
            .as("%s is not a variable of fossil node (fossil node --help)", name)
            .containsKey(name);
        waiting.add(name + " (" + NodeInPod.CONTRACT.get(name) + ")");
      } else if (!name.startsWith("FOSSIL_")) {
        assertThat(pod).as("%s is read by nothing in the container", name).contains(name);
      }
    }
    Assumptions.assumeTrue(
        waiting.isEmpty(), "waits for fossil node to read " + waiting + " (COMMON.md contract)");
  }

  /** {@code probe} with the scheme of its HTTP request left to the base. */
  private static Probe anyScheme(Probe probe) {
    if (probe == null || probe.getHttpGet() == null) {
      return probe;
    }
    return new ProbeBuilder(probe).editHttpGet().withScheme(null).endHttpGet().build();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyVariableTheNodeReadsInAPodIsDefined(String overlay) {
    Container container = rendered(overlay).node();
    NodeInPod node = new NodeInPod(rendered(overlay), 0);

    assertThat(node.kubernetes.enabled()).as("FOSSIL_KUBERNETES").isTrue();
    assertThat(fieldRefs(container))
        .containsEntry(KubernetesPod.POD_NAME, "metadata.name")
        .containsEntry(KubernetesPod.POD_NAMESPACE, "metadata.namespace")
        .containsEntry(KubernetesPod.POD_IP, "status.podIP");
    for (OptionSpec option : node.options.options()) {
      if (option.required()) {
        Object value = option.getValue();
        assertThat(value).as(option.longestName()).isNotNull();
      }
    }
    assertThat((String) node.value("--store")).isNotBlank();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void votersKeepTheirRaftLogOnTheirOwnPersistentVolume(String overlay) {
    Rendering r = rendered(overlay);
    NodeInPod node = new NodeInPod(r, 0);
    Path data = node.value("--data");
    Path raftLog = data.resolve("raft").resolve(node.podName);
    Container container = r.node();
    VolumeMount mount = Rendering.mountHolding(container, raftLog);

    List<PersistentVolumeClaim> claims = r.statefulSet().getSpec().getVolumeClaimTemplates();
    PersistentVolumeClaim claim =
        claims.stream()
            .filter(c -> c.getMetadata().getName().equals(mount.getName()))
            .findFirst()
            .orElse(null);
    assertThat(claim)
        .as("the volume holding %s is one of the pod's own claims", raftLog)
        .isNotNull();
    assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(claim.getSpec().getResources().getRequests()).containsKey("storage");
    assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
    assertThat(r.volumes()).extracting(Volume::getName).doesNotContain(mount.getName());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theReadOnlyRootLeavesAWritableTmp(String overlay) {
    Rendering r = rendered(overlay);
    Container container = r.node();

    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    VolumeMount tmp = Rendering.mountHolding(container, Path.of("/tmp/x"));
    Volume volume =
        r.volumes().stream()
            .filter(v -> v.getName().equals(tmp.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getEmptyDir()).as("/tmp is an emptyDir").isNotNull();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theDisruptionBudgetKeepsThePlacementQuorumWithoutBlockingDrains(String overlay) {
    Rendering r = rendered(overlay);
    int replicas = r.statefulSet().getSpec().getReplicas();
    int voters = new NodeInPod(r, 0).topology().voterCount();

    assertThat(r.budgets()).hasSize(1);
    PodDisruptionBudget budget = r.budgets().get(0);
    int disruptions = allowedDisruptions(budget, replicas);
    assertThat(disruptions).as("a budget allowing no disruption blocks every drain").isPositive();
    if (voters > 1) {
      int quorum = voters / 2 + 1;
      assertThat(disruptions)
          .as("%d voters keep a quorum of %d", voters, quorum)
          .isLessThanOrEqualTo(voters - quorum);
    }
    assertThat(budget.getSpec().getUnhealthyPodEvictionPolicy()).isNotEqualTo("AlwaysAllow");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void aStoppingPodHasTimeToHandItsSegmentsAway(String overlay) {
    Rendering r = rendered(overlay);
    NodeInPod node = new NodeInPod(r, 0);
    PodSpec pod = r.statefulSet().getSpec().getTemplate().getSpec();
    List<String> preStop = r.node().getLifecycle().getPreStop().getExec().getCommand();

    assertThat(preStop)
        .as("a preStop that waits for the endpoints to drop the pod")
        .hasSize(2)
        .first()
        .isEqualTo("sleep");
    Duration needed =
        Duration.ofSeconds(Long.parseLong(preStop.get(1)))
            .plus(duration(node.value("--leave-timeout")))
            .plus(CLOSE_MARGIN);
    assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds()))
        .isGreaterThanOrEqualTo(needed);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void podsRunAsNonRootWithNothingToEscalate(String overlay) {
    Rendering r = rendered(overlay);
    PodSpec pod = r.statefulSet().getSpec().getTemplate().getSpec();
    PodSecurityContext podContext = pod.getSecurityContext();

    assertThat(podContext.getRunAsNonRoot()).isTrue();
    assertThat(podContext.getRunAsUser()).isPositive();
    assertThat(podContext.getRunAsGroup()).isPositive();
    assertThat(podContext.getFsGroup())
        .as("the volume is writable by the pod's group")
        .isEqualTo(podContext.getRunAsGroup());
    assertThat(podContext.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(r.volumes()).allSatisfy(v -> assertThat(v.getHostPath()).isNull());
    for (Container c : containers(pod)) {
      SecurityContext sc = c.getSecurityContext();
      assertThat(sc).as("container %s", c.getName()).isNotNull();
      assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
      assertThat(sc.getPrivileged()).as(c.getName()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
      assertThat(sc.getCapabilities().getDrop()).as(c.getName()).contains("ALL");
      assertThat(sc.getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
      assertThat(sc.getRunAsUser()).as(c.getName()).isNull(); // the pod's user, the image's user
    }
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(r.serviceAccount(pod.getServiceAccountName()).getAutomountServiceAccountToken())
        .isFalse();
    assertThat(pod.getEnableServiceLinks()).as("no FOSSIL_SERVICE_HOST and the like").isFalse();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyContainerHasResourcesAndNodesSpreadOverMachines(String overlay) {
    PodSpec pod = rendered(overlay).statefulSet().getSpec().getTemplate().getSpec();

    for (Container c : containers(pod)) {
      Map<String, Quantity> requests = c.getResources().getRequests();
      Map<String, Quantity> limits = c.getResources().getLimits();
      assertThat(requests).as(c.getName()).containsKeys("cpu", "memory");
      assertThat(limits).as(c.getName()).containsKeys("cpu", "memory");
      for (String resource : List.of("cpu", "memory")) {
        assertThat(Quantity.getAmountInBytes(requests.get(resource)))
            .as("%s: %s request within its limit", c.getName(), resource)
            .isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get(resource)));
      }
    }
    assertThat(
            pod.getAffinity()
                .getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution())
        .extracting(PodAffinityTerm::getTopologyKey)
        .containsExactly("kubernetes.io/hostname");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyContainerRunsThisVersionsImage(String overlay) {
    PodSpec pod = rendered(overlay).statefulSet().getSpec().getTemplate().getSpec();
    String tag = Repository.projectVersion() + (overlay.equals("fdb") ? "-fdb" : "");

    assertThat(containers(pod)).extracting(Container::getImage).containsOnly("fossil:" + tag);
  }

  @Test
  void theDevOverlayIsOneNodeWithItsStoreOnItsVolume() {
    Rendering r = rendered("dev");
    NodeInPod node = new NodeInPod(r, 0);
    String store = node.value("--store");

    assertThat(r.statefulSet().getSpec().getReplicas()).isEqualTo(1);
    assertThat(node.topology().voterCount()).isEqualTo(1);
    assertThat(node.voters()).containsOnlyKeys(node.podName);
    assertThat(store).startsWith("rocksdb:");
    VolumeMount mount =
        Rendering.mountHolding(r.node(), Path.of(store.substring("rocksdb:".length())));
    assertThat(r.statefulSet().getSpec().getVolumeClaimTemplates())
        .extracting(c -> c.getMetadata().getName())
        .contains(mount.getName());
  }

  @Test
  void theSharedStoreOverlaysRunThreeVotersAndNeverTheEmbeddedStore() {
    for (String overlay : List.of("etcd", "fdb")) {
      Rendering r = rendered(overlay);
      NodeInPod node = new NodeInPod(r, 0);

      assertThat(node.topology().voterCount()).as(overlay).isEqualTo(3);
      assertThat(r.statefulSet().getSpec().getReplicas()).as(overlay).isGreaterThanOrEqualTo(3);
      assertThat((String) node.value("--store"))
          .as(overlay)
          .startsWith(overlay.equals("etcd") ? "etcd://" : "fdb:");
    }
  }

  @Test
  void theFdbOverlayGivesTheNodeAWritableCopyOfTheClusterFileSecret() {
    Rendering r = rendered("fdb");
    PodSpec pod = r.statefulSet().getSpec().getTemplate().getSpec();
    String store = new NodeInPod(r, 0).value("--store");
    Path clusterFile = Path.of(store.substring("fdb:".length()));

    VolumeMount copy = Rendering.mountHolding(r.node(), clusterFile);
    Volume copyVolume =
        r.volumes().stream()
            .filter(v -> v.getName().equals(copy.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(copyVolume.getEmptyDir()).isNotNull();
    assertThat(pod.getInitContainers()).hasSize(1);
    Container init = pod.getInitContainers().get(0);
    assertThat(init.getCommand()).hasSize(3).first().isEqualTo("cp");
    assertThat(init.getCommand().get(2)).isEqualTo(clusterFile.toString());
    assertThat(Rendering.mountHolding(init, clusterFile).getName()).isEqualTo(copy.getName());
    VolumeMount secretMount = Rendering.mountHolding(init, Path.of(init.getCommand().get(1)));
    Volume secret =
        r.volumes().stream()
            .filter(v -> v.getName().equals(secretMount.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(secret.getSecret()).isNotNull();
    assertThat(secret.getSecret().getItems())
        .anySatisfy(
            item ->
                assertThat(secretMount.getMountPath() + "/" + item.getPath())
                    .isEqualTo(init.getCommand().get(1)));
  }

  // ------------------------------------------------------------------ helpers

  /**
   * FOSSIL_* variables of fossil node's visible options, from its command line, and FOSSIL_CONFIG.
   */
  static Set<String> understoodVariables() {
    CommandSpec node =
        Fossil.commandLine(null, name -> null).getSubcommands().get("node").getCommandSpec();
    Set<String> names = new TreeSet<>();
    for (OptionSpec option : node.options()) {
      if (!option.hidden()) {
        Fossil.environmentVariable(option).ifPresent(names::add);
      }
    }
    names.add(Fossil.CONFIG_ENVIRONMENT);
    return names;
  }

  private static void assertSelects(
      LabelSelector selector, Map<String, String> labels, String what) {
    assertThat(selector.getMatchExpressions())
        .as(what + ": matchExpressions are not checked here")
        .isNullOrEmpty();
    assertThat(selector.getMatchLabels()).as(what).isNotEmpty();
    assertThat(labels)
        .as(what + " selects the pods")
        .containsAllEntriesOf(selector.getMatchLabels());
  }

  private static List<Probe> probes(Container c) {
    List<Probe> probes = new ArrayList<>();
    Stream.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())
        .filter(p -> p != null)
        .forEach(probes::add);
    return probes;
  }

  private static Map<String, String> fieldRefs(Container c) {
    Map<String, String> refs = new java.util.HashMap<>();
    for (EnvVar var : c.getEnv()) {
      if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
        refs.put(var.getName(), var.getValueFrom().getFieldRef().getFieldPath());
      }
    }
    return refs;
  }

  private static List<Container> containers(PodSpec pod) {
    List<Container> all = new ArrayList<>(pod.getContainers());
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    return all;
  }

  private static int allowedDisruptions(PodDisruptionBudget budget, int replicas) {
    IntOrString max = budget.getSpec().getMaxUnavailable();
    IntOrString min = budget.getSpec().getMinAvailable();
    if (max != null && max.getIntVal() != null) {
      return max.getIntVal();
    }
    if (min != null && min.getIntVal() != null) {
      return replicas - min.getIntVal();
    }
    return fail("the budget gives neither maxUnavailable nor minAvailable as a number of pods");
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

  /** A duration as fossil node's options write it (10s, 500ms, 1m). */
  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text);
    assertThat(m.matches()).as("duration %s", text).isTrue();
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMinutes(n);
    };
  }

  private static String name(HasMetadata object) {
    return object.getMetadata().getName();
  }
}
