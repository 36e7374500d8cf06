package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The client subcommands against a real node: what a person types is what gets stored. */
class ClientCommandsTest {

  @RegisterExtension static final SharedCluster cluster = new SharedCluster(1, 4);

  @Test
  void appendThenReadKeepsTheExactValueOfNumbers() throws Exception {
    String stream = "cli-" + UUID.randomUUID();
    String url = cluster.urls().get(0);

    ClientCommands.Append append = new ClientCommands.Append();
    String appended =
        run(append, "--url=" + url, stream, "Priced", ClusterEndToEndTest.EXACT_NUMBERS);
    assertThat(ClusterEndToEndTest.EXACT.readTree(appended).get("position").asLong()).isZero();

    String read = run(new ClientCommands.Read(), "--url=" + url, stream);
    JsonNode data = ClusterEndToEndTest.EXACT.readTree(read.strip()).get("data");
    JsonNode sent = ClusterEndToEndTest.EXACT.readTree(ClusterEndToEndTest.EXACT_NUMBERS);
    for (String field : new String[] {"money", "tiny", "huge", "scaled", "big"}) {
      assertThat(data.get(field).decimalValue())
          .as(field)
          .isEqualByComparingTo(sent.get(field).decimalValue());
    }
  }

  @Test
  void badJsonIsOneLineOnStandardErrorAndStoresNothing() {
    String stream = "cli-bad-" + UUID.randomUUID();
    String url = cluster.urls().get(0);
    for (String data : new String[] {"{\"a\":1} junk", "{\"a\":1,\"a\":2}", "not json"}) {
      CommandLine cli = Fossil.commandLine(null, name -> null);
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      assertThat(cli.execute("append", "--url=" + url, stream, "T", data)).as(data).isEqualTo(1);
      assertThat(err.toString().strip())
          .as(data)
          .startsWith("fossil append: data is not valid JSON")
          .doesNotContain("\n")
          .doesNotContain("\tat ");
    }
    assertThat(new Http().get(url + "/streams/" + stream).json().get("position").asLong())
        .isEqualTo(-1);
  }

  @Test
  void anUnreachableNodeIsOneLineOnStandardError() {
    CommandLine cli = Fossil.commandLine(null, name -> null);
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int port = Ports.freeRun(1);
    assertThat(cli.execute("read", "--url=http://127.0.0.1:" + port, "s")).isEqualTo(1);
    assertThat(err.toString().strip())
        .startsWith("fossil read: cannot reach the node")
        .doesNotContain("\n");
  }

  @Test
  void onlyTheUrlComesFromTheEnvironmentForClientCommands() {
    Map<String, String> env =
        Map.of(
            "FOSSIL_URL", "http://10.1.2.3:9000", "FOSSIL_ID", "node-7", "FOSSIL_METADATA", "{}");
    CommandLine cli = Fossil.commandLine(null, env::get);
    CommandLine.ParseResult parsed = cli.parseArgs("append", "s", "T");
    ClientCommands.Append append =
        (ClientCommands.Append) parsed.subcommand().commandSpec().userObject();
    assertThat(append.url).isEqualTo("http://10.1.2.3:9000");
    assertThat(append.id).isNull();
    assertThat(append.metadata).isNull();
  }

  /** Runs a client command, asserts it succeeded, and returns what it printed. */
  private static String run(ClientCommands.Base command, String... args) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    command.out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    assertThat(new CommandLine(command).execute(args)).as("exit code").isZero();
    return printed.toString(StandardCharsets.UTF_8);
  }
}
