package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
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
}
