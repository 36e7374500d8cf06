package io.fossil.deploy;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders a kustomization with whatever renderer this machine has: {@code kustomize build}, else
 * {@code kubectl kustomize} (CI installs Debian's kubectl 1.20, whose kustomize is 2.0.3, so the
 * manifests keep to what that version reads). Without either, the rendering tests are skipped with
 * a message saying so, unless {@code FOSSIL_REQUIRE_KUSTOMIZE=true} (CI), which makes it a failure.
 */
final class Kustomize {

  static final String REQUIRE = "FOSSIL_REQUIRE_KUSTOMIZE";

  private static final String MISSING =
      "no kustomize renderer: neither kustomize nor kubectl is on PATH, so the rendered overlays"
          + " are not checked (apt-get install kubernetes-client provides kubectl; "
          + REQUIRE
          + "=true turns this skip into a failure)";

  private Kustomize() {}

  /** Skips the calling test if there is no renderer, or fails it under {@link #REQUIRE}. */
  static List<String> requireRenderer() {
    Optional<List<String>> command = command();
    if (command.isEmpty()) {
      if ("true".equalsIgnoreCase(System.getenv(REQUIRE))) {
        fail(MISSING + " (" + REQUIRE + "=true)");
      }
      Assumptions.abort(MISSING);
    }
    return command.get();
  }

  /** The rendered YAML of the kustomization in {@code dir}. */
  static String render(Path dir) {
    List<String> command = new ArrayList<>(requireRenderer());
    command.add(dir.toString());
    try {
      Path errors = Files.createTempFile("kustomize", ".err");
      try {
        Process process =
            new ProcessBuilder(command)
                .redirectError(errors.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          fail(String.join(" ", command) + " did not finish within 2 minutes");
        }
        if (process.exitValue() != 0) {
          fail(
              String.join(" ", command)
                  + " failed ("
                  + process.exitValue()
                  + "): "
                  + Files.readString(errors));
        }
        return out;
      } finally {
        Files.deleteIfExists(errors);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Optional<List<String>> command() {
    Optional<Path> kustomize = onPath("kustomize");
    if (kustomize.isPresent()) {
      return Optional.of(List.of(kustomize.get().toString(), "build"));
    }
    return onPath("kubectl").map(kubectl -> List.of(kubectl.toString(), "kustomize"));
  }

  private static Optional<Path> onPath(String name) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
