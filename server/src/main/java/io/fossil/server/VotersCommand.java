package io.fossil.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fossil.router.PayloadJson;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fossil voters}: shows and changes the placement group's voters through a node's {@code
 * /admin/voters} (ADR 29). Changes go to a voter; each answers with the voters afterwards, or with
 * the problem that kept it from changing anything.
 */
@Command(
    name = "voters",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the placement group's voters as its leader sees them; with a subcommand, changes",
      "them through Raft (send changes to a voter). Needs the admin permission.",
      "A voter whose disk is lost: fossil voters replace <id>, once its node runs again with an",
      "empty Raft directory (docs/operations.md)."
    },
    subcommands = {
      VotersCommand.Add.class,
      VotersCommand.Remove.class,
      VotersCommand.Replace.class,
      VotersCommand.Set.class
    })
final class VotersCommand extends ClientCommands.Base {

  private static final ObjectMapper JSON = PayloadJson.mapper(new JsonFactory()).build();

  /** A change waits for new voters to catch up, and a replace for the node to come back. */
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(120);

  @Option(names = "--json", description = "print the raw JSON")
  boolean json;

  @Override
  public Integer call() throws Exception {
    HttpResponse<String> response = get("/admin/voters");
    if (response.statusCode() != 200) {
      return failed(response);
    }
    print(this, JSON.readTree(response.body()), json);
    return 0;
  }

  /** Prints the voters as a table (or the JSON). */
  static void print(ClientCommands.Base command, JsonNode voters, boolean raw) throws Exception {
    if (raw) {
      command.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(voters));
      return;
    }
    command.out.printf(
        "leader %s%s%n%n",
        voters.path("leader").asText(),
        voters.path("changing").asBoolean() ? " (a change is under way)" : "");
    command.out.printf(
        "%-12s %-40s %-9s %12s %13s %s%n",
        "VOTER", "RAFT ADDRESS", "ROLE", "COMMIT INDEX", "LAST CONTACT", "HEALTHY");
    for (String list : List.of("voters", "listeners")) {
      for (JsonNode v : voters.path(list)) {
        long contact = v.path("lastContactMillis").asLong();
        command.out.printf(
            "%-12s %-40s %-9s %12s %13s %s%n",
            v.path("id").asText(),
            v.path("address").asText(),
            v.path("role").asText(),
            v.path("commitIndex").asLong() < 0 ? "?" : v.path("commitIndex").asText(),
            contact < 0 ? "?" : contact + " ms",
            v.path("healthy").asBoolean() ? "yes" : "NO");
      }
    }
  }

  /** A change: the body it posts, then the voters afterwards. */
  abstract static class Change extends ClientCommands.Base {
    @Option(names = "--json", description = "print the raw JSON")
    boolean json;

    abstract ObjectNode body();

    @Override
    Duration requestTimeout() {
      return CHANGE_TIMEOUT;
    }

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> response =
          send(
              HttpRequest.newBuilder(uri("/admin/voters"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body()))));
      if (response.statusCode() != 200) {
        return failed(response);
      }
      print(this, JSON.readTree(response.body()), json);
      return 0;
    }

    /** {@code id} or {@code id=host:port} as the API takes them. */
    static ObjectNode voters(List<String> ids) {
      ObjectNode voters = JSON.createObjectNode();
      for (String id : ids) {
        String[] parts = id.split("=", 2);
        if (parts.length == 2) {
          voters.put(parts[0], parts[1]);
        } else {
          voters.putNull(parts[0]);
        }
      }
      return voters;
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Adds voters. Start each one's node first (with an empty Raft directory it waits",
        "outside the group); Raft catches it up before it votes. Add fewer than the group has."
      })
  static final class Add extends Change {
    @Parameters(
        arity = "1..*",
        paramLabel = "ID[=HOST:PORT]",
        description = "node id, with its Raft address unless the node asked knows it")
    List<String> voters;

    @Override
    ObjectNode body() {
      ObjectNode body = JSON.createObjectNode();
      body.set("add", voters(voters));
      return body;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Removes voters (refused if those left that answer would not be a majority).")
  static final class Remove extends Change {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "node id")
    List<String> ids;

    @Override
    ObjectNode body() {
      ObjectNode body = JSON.createObjectNode();
      body.putArray("remove").addAll(ids.stream().map(JSON.getNodeFactory()::textNode).toList());
      return body;
    }
  }

  @Command(
      name = "replace",
      mixinStandardHelpOptions = true,
      description = {
        "Replaces a voter whose Raft storage is lost: removes it, then adds it back under the",
        "same id and address once its node runs again with an empty Raft directory (waits 30 s)."
      })
  static final class Replace extends Change {
    @Parameters(index = "0", paramLabel = "ID", description = "the voter's node id")
    String id;

    @Override
    ObjectNode body() {
      ObjectNode body = JSON.createObjectNode();
      body.put("replace", id);
      return body;
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = "Makes exactly these the voters (adds and removes in one change).")
  static final class Set extends Change {
    @Parameters(
        arity = "1..*",
        paramLabel = "ID[=HOST:PORT]",
        description = "node id, with its Raft address if it is new and the node asked lacks it")
    List<String> voters;

    @Override
    ObjectNode body() {
      ObjectNode body = JSON.createObjectNode();
      body.set("voters", voters(voters));
      return body;
    }
  }
}
