package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command, as a user runs it: {@code ./fossil dev} from the repository root comes
 * up, serves an append (following the redirect), and stops on SIGTERM. Runs after packaging, so the
 * launcher finds the jar the build just made.
 */
class LauncherIT {

  @TempDir Path data;

  @Test
  void fossilDevServesAnAppendAndStopsOnSigterm() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    assertThat(root.resolve("fossil")).isExecutable();
    int http = Ports.freeRun(3);
    int raft = Ports.freeRun(3);
    Path log = data.resolve("fossil-dev.log");
    Process dev =
        new ProcessBuilder(
                List.of(
                    "./fossil",
                    "dev",
                    "--data",
                    data.resolve("d").toString(),
                    "--http-port",
                    Integer.toString(http),
                    "--raft-port",
                    Integer.toString(raft)))
            .directory(root.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .failFast("fossil dev exited", () -> !dev.isAlive())
          .until(() -> output(log).contains("Fossil dev cluster is up"));
      assertThat(output(log)).contains("http://127.0.0.1:" + http, "curl ");

      Http.Response r =
          new Http()
              .post(
                  "http://127.0.0.1:" + http + "/streams/launcher-1",
                  "application/json",
                  Http.event("Started", "{}"),
                  true);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      assertThat(r.json().get("position").asLong()).isZero();
    } finally {
      dev.destroy();
      boolean exited = dev.waitFor(60, TimeUnit.SECONDS);
      if (!exited) {
        dev.destroyForcibly();
      }
      assertThat(exited).as("fossil dev stops within 60 s of SIGTERM:\n" + output(log)).isTrue();
    }
  }

  private static String output(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
