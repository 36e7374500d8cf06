package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fossil.server.Fossil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The node image's Dockerfile, checked without a Docker engine: what it copies is what {@code
 * ./mvnw package} builds, it runs the node as the non-root user the pods run as, on the Java the
 * project compiles for, and exposes the ports the StatefulSet declares.
 */
class DockerfileTest {

  private static final Path DOCKERFILE = Repository.root().resolve("deploy/Dockerfile");
  private static final String JAR = "server/target/fossil.jar";

  /** One instruction: its keyword (upper case) and the rest of its line(s). */
  record Instruction(String keyword, String arguments) {}

  /** A build stage: its name (after AS, or null) and its instructions, FROM first. */
  record Stage(String name, List<Instruction> instructions) {
    List<String> all(String keyword) {
      return instructions.stream()
          .filter(i -> i.keyword().equals(keyword))
          .map(Instruction::arguments)
          .toList();
    }
  }

  @Test
  void theBaseIsAJreOfTheJavaVersionTheProjectCompilesFor() {
    String release =
        Repository.pom(
            Repository.root().resolve("pom.xml"),
            "/project/properties/*[local-name()='maven.compiler.release']");
    String baseImage =
        globalArgs().stream()
            .filter(a -> a.startsWith("BASE_IMAGE="))
            .findFirst()
            .orElseThrow()
            .substring("BASE_IMAGE=".length());

    assertThat(baseImage).matches("eclipse-temurin:" + release + "-jre(-.+)?");
    assertThat(stages().get(0).all("FROM").get(0)).startsWith("${BASE_IMAGE} ");
  }

  @Test
  void everyImageCopiesTheJarThePackageBuildsAndRunsItsNodeCommand() {
    String finalName =
        Repository.pom(
            Repository.root().resolve("server/pom.xml"),
            "//*[local-name()='plugin'][*[local-name()='artifactId']='maven-shade-plugin']//*[local-name()='finalName']");
    assertThat("server/target/" + finalName + ".jar").isEqualTo(JAR);

    String entrypoint = stages().get(0).all("ENTRYPOINT").get(0);
    List<String> command = jsonArray(entrypoint);
    assertThat(command.get(0)).isEqualTo("java");
    assertThat(command.get(command.size() - 1)).isEqualTo("node");
    String jarInImage = command.get(command.indexOf("-jar") + 1);
    for (Stage stage : imageStages()) {
      assertThat(stage.all("COPY"))
          .as("stage %s", stage.name())
          .containsExactly(JAR + " " + jarInImage);
    }
  }

  @Test
  void theBuiltJarStartsTheFossilCommand() throws IOException {
    Path jar = Repository.root().resolve(JAR);
    Assumptions.assumeTrue(
        Files.isRegularFile(jar), JAR + " is not built yet (./mvnw package builds it)");

    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo(Fossil.class.getName());
    }
  }

  @Test
  void everyImageRunsAsTheNumericNonRootUserThePodsRunAs() {
    PodSecurityContext pod =
        ManifestFilesTest.baseStatefulSet().getSpec().getTemplate().getSpec().getSecurityContext();

    for (Stage stage : imageStages()) {
      List<Instruction> instructions = stage.instructions();
      Instruction last = instructions.get(instructions.size() - 1);
      assertThat(last.keyword()).as("stage %s ends as its user", stage.name()).isEqualTo("USER");
      assertThat(last.arguments()).isEqualTo(pod.getRunAsUser() + ":" + pod.getRunAsGroup());
      assertThat(pod.getRunAsUser()).isPositive();
    }
    assertThat(stages().get(0).all("RUN").get(0))
        .contains("--uid " + pod.getRunAsUser())
        .contains("--gid " + pod.getRunAsGroup());
  }

  @Test
  void itExposesThePortsTheStatefulSetDeclares() {
    Container container =
        ManifestFilesTest.baseStatefulSet()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    List<Integer> exposed = new ArrayList<>();
    stages()
        .get(0)
        .all("EXPOSE")
        .forEach(e -> Arrays.stream(e.split("\\s+")).map(Integer::valueOf).forEach(exposed::add));

    assertThat(exposed)
        .containsExactlyInAnyOrderElementsOf(
            container.getPorts().stream().map(ContainerPort::getContainerPort).toList());
  }

  @Test
  void theBuildContextHoldsOnlyTheJar() {
    List<String> patterns =
        Repository.read(Repository.root().resolve("deploy/Dockerfile.dockerignore"))
            .lines()
            .map(String::trim)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();

    assertThat(patterns).containsExactly("*", "!" + JAR);
  }

  @Test
  void theDefaultImageIsTheOneTheBaseRunsAndTheFdbVariantTheOneTheFdbOverlayRuns() {
    StatefulSet base = ManifestFilesTest.baseStatefulSet();
    JsonNode fdb = KubernetesYaml.tree(Repository.overlay("fdb").resolve("kustomization.yaml"));
    String version = Repository.projectVersion();

    assertThat(stages().get(stages().size() - 1).name())
        .as("the default (last) stage")
        .isNotEqualTo("fdb");
    assertThat(stages()).extracting(Stage::name).contains("fdb");
    assertThat(base.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("fossil:" + version);
    assertThat(fdb.path("images").get(0).path("name").asText()).isEqualTo("fossil");
    assertThat(fdb.path("images").get(0).path("newTag").asText()).isEqualTo(version + "-fdb");
    assertThat(Repository.read(DOCKERFILE))
        .contains("-t fossil:" + version + " .")
        .contains("-t fossil:" + version + "-fdb .");
  }

  /** The stages that are images one runs: every stage that copies the jar. */
  private static List<Stage> imageStages() {
    List<Stage> images = stages().stream().filter(s -> !s.all("COPY").isEmpty()).toList();
    assertThat(images).extracting(Stage::name).containsExactlyInAnyOrder("fdb", "node");
    return images;
  }

  /** ARG lines before the first FROM. */
  private static List<String> globalArgs() {
    List<String> args = new ArrayList<>();
    for (Instruction i : instructions()) {
      if (i.keyword().equals("FROM")) {
        break;
      }
      if (i.keyword().equals("ARG")) {
        args.add(i.arguments());
      }
    }
    return args;
  }

  static List<Stage> stages() {
    List<Stage> stages = new ArrayList<>();
    for (Instruction i : instructions()) {
      if (i.keyword().equals("FROM")) {
        String[] words = i.arguments().split("\\s+");
        String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
        stages.add(new Stage(name, new ArrayList<>()));
      }
      if (!stages.isEmpty()) {
        stages.get(stages.size() - 1).instructions().add(i);
      }
    }
    return stages;
  }

  /** The Dockerfile's instructions: comments dropped, continued lines joined. */
  static List<Instruction> instructions() {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Repository.read(DOCKERFILE).lines().toList()) {
      String trimmed = line.trim();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      String text = current.toString().trim().replaceAll("\\s+", " ");
      current.setLength(0);
      int space = text.indexOf(' ');
      instructions.add(
          new Instruction(
              text.substring(0, space).toUpperCase(java.util.Locale.ROOT),
              text.substring(space + 1)));
    }
    return instructions;
  }

  private static List<String> jsonArray(String text) {
    try {
      List<String> items = new ArrayList<>();
      new ObjectMapper().readTree(text).forEach(n -> items.add(n.asText()));
      return items;
    } catch (IOException e) {
      throw new AssertionError("ENTRYPOINT is not in exec form (a JSON array): " + text, e);
    }
  }
}
