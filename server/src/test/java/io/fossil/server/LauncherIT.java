package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fossil.security.ClientCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
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

  /**
   * {@code ./fossil dev --secure} from the packaged jar: the admin token it writes is accepted (the
   * jar holds the token library; a test-scoped entry in server's pom once left it out, and the
   * command died with NoClassDefFoundError), and a client may not renegotiate TLS 1.2 (each
   * renegotiation is a full handshake the server pays for, outside the connection cap and the
   * request rate).
   */
  @Test
  void fossilDevSecureAcceptsItsTokenAndRefusesRenegotiation() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    int http = Ports.freeRun(3);
    int raft = Ports.freeRun(3);
    Path d = data.resolve("secure-data");
    Path log = data.resolve("fossil-dev-secure.log");
    Process dev =
        new ProcessBuilder(
                List.of(
                    "./fossil",
                    "dev",
                    "--secure",
                    "--data",
                    d.toString(),
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
          .failFast("fossil dev --secure exited:\n" + output(log), () -> !dev.isAlive())
          .until(() -> output(log).contains("Fossil dev cluster is up"));
      ClientCredentials credentials =
          ClientCredentials.load(
              d.resolve("secure/ca.pem"), null, null, d.resolve("secure/admin.token"), n -> null);
      HttpClient client =
          HttpClient.newBuilder()
              .sslContext(credentials.sslContext())
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + http + "/cluster"))
                  .header("Authorization", credentials.authorization().orElseThrow())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body() + "\n" + output(log)).isEqualTo(200);

      try (SSLSocket socket =
          (SSLSocket) credentials.sslContext().getSocketFactory().createSocket("127.0.0.1", http)) {
        socket.setEnabledProtocols(new String[] {"TLSv1.2"});
        socket.startHandshake();
        assertThatThrownBy(
                () -> {
                  socket.startHandshake(); // a client-initiated renegotiation
                  OutputStream out = socket.getOutputStream();
                  out.write(
                      "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"
                          .getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  InputStream in = socket.getInputStream();
                  if (in.read() < 0) {
                    throw new IOException("closed");
                  }
                })
            .as("the server refuses a client-initiated renegotiation")
            .isInstanceOf(IOException.class);
      }
    } finally {
      dev.destroy();
      boolean exited = dev.waitFor(60, TimeUnit.SECONDS);
      if (!exited) {
        dev.destroyForcibly();
      }
      assertThat(exited).as("fossil dev --secure stops within 60 s of SIGTERM").isTrue();
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
