package io.fossil.chaos;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the suite needs, and what to do when it is missing: skip with the reason, unless CI said it
 * installed it ({@code FOSSIL_REQUIRE_ETCD=true}), in which case a missing part fails instead of
 * passing silently. (Phases a run skips are {@link ChaosIT}'s concern.)
 */
final class Prerequisites {

  private Prerequisites() {}

  static void requireEtcd() {
    require(
        Proc.which("etcd").isPresent(),
        "FOSSIL_REQUIRE_ETCD",
        "etcd not found on PATH; install it with apt-get install etcd-server");
    if (!Files.isRegularFile(fossilJar())) {
      throw new IllegalStateException(
          "no node jar at " + fossilJar() + "; run the build through ./mvnw verify");
    }
  }

  private static void require(boolean present, String variable, String reason) {
    if (!present && "true".equalsIgnoreCase(System.getenv(variable))) {
      throw new IllegalStateException(reason + " (" + variable + "=true)");
    }
    assumeTrue(present, reason);
  }

  static Path fossilJar() {
    return Path.of(System.getProperty("fossil.jar", "../server/target/fossil.jar"));
  }

  static Path dir() {
    return Path.of(System.getProperty("chaos.dir", "target/chaos"));
  }
}
