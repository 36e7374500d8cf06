package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The objects one kustomization renders to, looked up by kind and name. */
record Rendering(String name, List<HasMetadata> objects) {

  static Rendering of(String name, String yaml) {
    return new Rendering(name, KubernetesYaml.parse(yaml, name));
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    Optional<T> found = find(type, name);
    assertThat(found).as("%s: %s %s", this.name, type.getSimpleName(), name).isPresent();
    return found.get();
  }

  StatefulSet statefulSet() {
    List<StatefulSet> sets = all(StatefulSet.class);
    assertThat(sets).as("%s: StatefulSets", name).hasSize(1);
    return sets.get(0);
  }

  /** The Fossil container of the StatefulSet's pods. */
  Container node() {
    List<Container> containers = statefulSet().getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers)
        .as("%s: containers", name)
        .extracting(Container::getName)
        .contains("fossil");
    return containers.stream().filter(c -> c.getName().equals("fossil")).findFirst().orElseThrow();
  }

  List<Service> services() {
    return all(Service.class);
  }

  Service service(String name) {
    return get(Service.class, name);
  }

  ConfigMap configMap(String name) {
    return get(ConfigMap.class, name);
  }

  ServiceAccount serviceAccount(String name) {
    return get(ServiceAccount.class, name);
  }

  List<PodDisruptionBudget> budgets() {
    return all(PodDisruptionBudget.class);
  }

  /** The labels of the StatefulSet's pods. */
  Map<String, String> podLabels() {
    return statefulSet().getSpec().getTemplate().getMetadata().getLabels();
  }

  /** The volumes of the StatefulSet's pods (none: empty). */
  List<Volume> volumes() {
    List<Volume> volumes = statefulSet().getSpec().getTemplate().getSpec().getVolumes();
    return volumes == null ? List.of() : volumes;
  }

  /** The pod volume named {@code name}; fails if none. */
  Volume volume(String name) {
    return volumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseGet(() -> fail("%s: the pods have no volume %s", this.name, name));
  }

  /** The mount under which {@code path} lives (the deepest one); fails if none. */
  static VolumeMount mountHolding(Container c, Path path) {
    List<VolumeMount> mounts = c.getVolumeMounts() == null ? List.of() : c.getVolumeMounts();
    return mounts.stream()
        .filter(m -> path.normalize().startsWith(Path.of(m.getMountPath())))
        .max((a, b) -> Integer.compare(a.getMountPath().length(), b.getMountPath().length()))
        .orElseGet(() -> fail("container %s mounts no volume holding %s", c.getName(), path));
  }

  /** The number of the container port named {@code name}; fails if none. */
  static int containerPort(Container container, String name) {
    return container.getPorts().stream()
        .filter(p -> name.equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseGet(() -> fail("container %s has no port named %s", container.getName(), name));
  }

  /** The container port a Service, probe or policy port names, by name or number; fails if none. */
  static int containerPort(Container container, IntOrString port) {
    if (port.getStrVal() != null) {
      return containerPort(container, port.getStrVal());
    }
    int number = port.getIntVal();
    assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort).contains(number);
    return number;
  }
}
