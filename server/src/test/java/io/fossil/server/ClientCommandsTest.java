package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

  /** Runs a client command, asserts it succeeded, and returns what it printed. */
  private static String run(ClientCommands.Base command, String... args) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    command.out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    assertThat(new CommandLine(command).execute(args)).as("exit code").isZero();
    return printed.toString(StandardCharsets.UTF_8);
  }
}
