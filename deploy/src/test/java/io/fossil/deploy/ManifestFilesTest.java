package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The manifest files as written, without a renderer: each parses into typed Kubernetes objects with
 * no unknown field, and each kustomization uses only what kustomize 2.0.3 reads — the version
 * inside Debian's kubectl (1.20), which is what CI renders with.
 */
class ManifestFilesTest {

  /** The fields of a kustomization that kustomize 2.0.3 knows. */
  private static final Set<String> KUSTOMIZE_2_FIELDS =
      Set.of(
          "apiVersion",
          "kind",
          "resources",
          "bases",
          "patchesStrategicMerge",
          "patchesJson6902",
          "configMapGenerator",
          "secretGenerator",
          "generatorOptions",
          "images",
          "namespace",
          "namePrefix",
          "nameSuffix",
          "commonLabels",
          "commonAnnotations",
          "vars",
          "crds");

  /**
   * The fields of a generator in kustomize 2.0.3 ({@code envs} came later, {@code env} is one
   * file).
   */
  private static final Set<String> KUSTOMIZE_2_GENERATOR_FIELDS =
      Set.of("name", "behavior", "literals", "files", "env", "type");

  static StatefulSet baseStatefulSet() {
    List<HasMetadata> objects = KubernetesYaml.parse(Repository.base().resolve("statefulset.yaml"));
    assertThat(objects).hasSize(1).first().isInstanceOf(StatefulSet.class);
    return (StatefulSet) objects.get(0);
  }

  @Test
  void everyManifestParsesIntoKnownKindsWithNoUnknownField() {
    List<Path> manifests = manifests();

    assertThat(manifests).contains(Repository.base().resolve("statefulset.yaml"));
    for (Path file : manifests) {
      List<HasMetadata> objects = KubernetesYaml.parse(file);
      assertThat(objects).as(file.toString()).isNotEmpty();
      for (HasMetadata object : objects) {
        assertThat(KubernetesYaml.unknownFields(object)).as(file.toString()).isEmpty();
      }
    }
  }

  @Test
  void theCheckSeesMisspeltAndMisplacedFieldsAndUnknownKinds() {
    String yaml =
        """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: x}
        spec:
          template:
            spec:
              readinessProbe: {httpGet: {path: /health/ready, port: http}}
              containers:
                - name: x
                  livenesProbe: {httpGet: {path: /health/live, port: http}}
        """;

    HasMetadata object = KubernetesYaml.parse(yaml, "test").get(0);
    assertThat(KubernetesYaml.unknownFields(object))
        .containsExactlyInAnyOrder(
            "StatefulSet/x.spec.template.spec: [readinessProbe]",
            "StatefulSet/x.spec.template.spec.containers[0]: [livenesProbe]");
    assertThatThrownBy(
            () ->
                KubernetesYaml.parse(
                    "apiVersion: apps/v1\nkind: StatefullSet\nmetadata: {name: x}\n", "test"))
        .hasMessageContaining("StatefullSet is not a kind");
    assertThatThrownBy(
            () ->
                KubernetesYaml.parse(
                    "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nmetadata: {name: y}\n",
                    "test"))
        .hasMessageContaining("Duplicate field 'metadata'");
  }

  @Test
  void kustomizationsUseOnlyWhatKustomize203Reads() {
    for (Path kustomization : kustomizations()) {
      JsonNode k = KubernetesYaml.tree(kustomization);
      Path dir = kustomization.getParent();

      assertThat(fieldNames(k)).as(kustomization.toString()).isSubsetOf(KUSTOMIZE_2_FIELDS);
      for (String generator : List.of("configMapGenerator", "secretGenerator")) {
        for (JsonNode g : k.path(generator)) {
          assertThat(fieldNames(g))
              .as("%s %s", kustomization, generator)
              .isSubsetOf(KUSTOMIZE_2_GENERATOR_FIELDS);
        }
      }
      // Before kustomize 2.1, resources are files; a directory (another kustomization) is a base.
      for (JsonNode resource : k.path("resources")) {
        assertThat(dir.resolve(resource.asText())).as("%s resource", kustomization).isRegularFile();
      }
      for (JsonNode base : k.path("bases")) {
        assertThat(dir.resolve(base.asText()).resolve("kustomization.yaml"))
            .as("%s base", kustomization)
            .isRegularFile();
      }
      for (JsonNode patch : k.path("patchesStrategicMerge")) {
        assertThat(dir.resolve(patch.asText())).as("%s patch", kustomization).isRegularFile();
      }
    }
  }

  @Test
  void everyManifestIsPartOfItsKustomization() {
    for (Path kustomization : kustomizations()) {
      JsonNode k = KubernetesYaml.tree(kustomization);
      Path dir = kustomization.getParent();
      Set<Path> used = new HashSet<>();
      for (String field : List.of("resources", "patchesStrategicMerge")) {
        k.path(field).forEach(f -> used.add(dir.resolve(f.asText()).normalize()));
      }
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(
                files
                    .filter(p -> p.toString().endsWith(".yaml"))
                    .filter(p -> !p.equals(kustomization)))
            .as("%s lists every manifest beside it", kustomization)
            .allSatisfy(p -> assertThat(used).contains(p.normalize()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Test
  void overlaysMergeIntoTheBasesConfigMapAndEveryOverlayIsChecked() throws IOException {
    Set<String> baseGenerators = new HashSet<>();
    KubernetesYaml.tree(Repository.base().resolve("kustomization.yaml"))
        .path("configMapGenerator")
        .forEach(g -> baseGenerators.add(g.path("name").asText()));
    List<Path> layers = new ArrayList<>(List.of(Repository.secure()));
    Repository.OVERLAYS.forEach(o -> layers.add(Repository.overlay(o)));
    for (Path layer : layers) {
      JsonNode k = KubernetesYaml.tree(layer.resolve("kustomization.yaml"));
      for (JsonNode g : k.path("configMapGenerator")) {
        assertThat(g.path("behavior").asText()).as(layer.toString()).isEqualTo("merge");
        assertThat(baseGenerators).as(layer.toString()).contains(g.path("name").asText());
      }
    }
    try (Stream<Path> dirs = Files.list(Repository.k8s().resolve("overlays"))) {
      assertThat(dirs.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(Repository.OVERLAYS);
    }
  }

  private static List<Path> manifests() {
    return Repository.yamlFiles(Repository.k8s()).stream()
        .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
        .toList();
  }

  private static List<Path> kustomizations() {
    List<Path> found =
        Repository.yamlFiles(Repository.k8s()).stream()
            .filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
            .toList();
    assertThat(found).hasSize(2 + Repository.OVERLAYS.size()); // base, secure, the overlays
    return found;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
