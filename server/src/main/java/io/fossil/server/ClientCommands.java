package io.fossil.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fossil.router.PayloadJson;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Client subcommands for people at a terminal; they talk to any node over HTTP. */
final class ClientCommands {

  /** Reads what the user types and what a node answers as the HTTP API reads payloads. */
  private static final ObjectMapper JSON = PayloadJson.mapper(new JsonFactory()).build();

  private ClientCommands() {}

  /** Options every client command shares. */
  abstract static class Base implements Callable<Integer> {
    @Option(names = "--url", description = "any node's base URL (default: ${DEFAULT-VALUE})")
    String url = "http://127.0.0.1:8081";

    final HttpClient http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    PrintStream out = System.out;

    HttpResponse<String> send(HttpRequest.Builder request)
        throws IOException, InterruptedException {
      return http.send(
          request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    URI uri(String path) {
      return URI.create(url.replaceAll("/+$", "") + path);
    }

    /** Prints a problem for people; returns the exit code. */
    int failed(HttpResponse<String> response) throws IOException {
      String detail = response.body();
      try {
        JsonNode p = JSON.readTree(response.body());
        if (p.has("detail")) {
          detail = p.get("detail").asText() + "  [" + p.path("type").asText() + "]";
        }
      } catch (IOException e) {
        // not JSON: print it as it came
      }
      System.err.println("HTTP " + response.statusCode() + ": " + detail);
      return 1;
    }
  }

  static String streamPath(String stream) {
    StringBuilder path = new StringBuilder("/streams/");
    for (String part : stream.split("/", -1)) {
      if (path.length() > "/streams/".length()) {
        path.append('/');
      }
      path.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return path.toString();
  }

  @Command(
      name = "append",
      mixinStandardHelpOptions = true,
      description = "Appends one event to a stream.")
  static final class Append extends Base {
    @Parameters(index = "0", description = "stream name")
    String stream;

    @Parameters(index = "1", description = "event type")
    String type;

    @Parameters(index = "2", arity = "0..1", description = "event data as JSON (default: {})")
    String data = "{}";

    @Option(names = "--id", description = "event id, so that a retry is recognised")
    String id;

    @Option(
        names = "--expected-position",
        description = "the stream's position before this append (-1: empty)")
    Long expectedPosition;

    @Option(names = "--metadata", description = "event metadata as a JSON object")
    String metadata;

    @Override
    public Integer call() throws Exception {
      ObjectNode body = JSON.createObjectNode();
      if (expectedPosition != null) {
        body.put("expectedPosition", expectedPosition);
      }
      ObjectNode event = body.putArray("events").addObject();
      if (id != null) {
        event.put("id", id);
      }
      event.put("type", type);
      event.set("data", parse(data, "data"));
      if (metadata != null) {
        event.set("metadata", parse(metadata, "--metadata"));
      }
      HttpResponse<String> response =
          send(
              HttpRequest.newBuilder(uri(streamPath(stream)))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
      if (response.statusCode() / 100 != 2) {
        return failed(response);
      }
      out.println(response.body());
      return 0;
    }

    private static JsonNode parse(String text, String what) {
      try {
        return JSON.readTree(text);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        var at = e.getLocation();
        throw new IllegalArgumentException(
            what
                + " is not valid JSON: "
                + e.getOriginalMessage()
                + (at == null ? "" : " (column " + at.getColumnNr() + ")"),
            e);
      }
    }
  }

  @Command(
      name = "read",
      mixinStandardHelpOptions = true,
      description = "Reads a stream, one event per line.")
  static final class Read extends Base {
    @Parameters(index = "0", description = "stream name")
    String stream;

    @Option(
        names = "--from",
        description = "first position to read (default: start, or end with --backward)")
    Long from;

    @Option(names = "--limit", description = "most events to read (default: ${DEFAULT-VALUE})")
    int limit = 100;

    @Option(names = "--backward", description = "read from the end towards the start")
    boolean backward;

    @Override
    public Integer call() throws Exception {
      String query =
          "?limit="
              + limit
              + (backward ? "&direction=backward" : "")
              + (from != null ? "&from=" + from : "");
      HttpResponse<String> response = get(streamPath(stream) + query);
      if (response.statusCode() != 200) {
        return failed(response);
      }
      for (JsonNode e : (ArrayNode) JSON.readTree(response.body()).get("events")) {
        out.println(JSON.writeValueAsString(e));
      }
      return 0;
    }
  }

  @Command(
      name = "tail",
      mixinStandardHelpOptions = true,
      description =
          "Prints a stream's events as they are appended (polls the stream); Ctrl-C stops.")
  static final class Tail extends Base {
    @Parameters(index = "0", description = "stream name")
    String stream;

    @Option(names = "--from", description = "first position to print (default: only new events)")
    Long from;

    @Option(
        names = "--interval",
        description = "poll interval in milliseconds (default: ${DEFAULT-VALUE})")
    long intervalMillis = 250;

    @Override
    public Integer call() throws Exception {
      long next = from != null ? from : -1;
      while (true) {
        String query = next < 0 ? "?direction=backward&limit=1" : "?from=" + next + "&limit=1000";
        HttpResponse<String> response = get(streamPath(stream) + query);
        if (response.statusCode() != 200) {
          return failed(response);
        }
        JsonNode page = JSON.readTree(response.body());
        if (next < 0) {
          next = page.get("position").asLong() + 1;
          continue;
        }
        for (JsonNode e : page.get("events")) {
          out.println(JSON.writeValueAsString(e));
          next = e.get("position").asLong() + 1;
        }
        out.flush();
        if (page.get("events").isEmpty()) {
          Thread.sleep(intervalMillis);
        }
      }
    }
  }

  @Command(
      name = "cluster",
      mixinStandardHelpOptions = true,
      description = "Shows members and segments.")
  static final class Cluster extends Base {
    @Option(names = "--json", description = "print the raw JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> response = get("/cluster");
      if (response.statusCode() != 200) {
        return failed(response);
      }
      JsonNode c = JSON.readTree(response.body());
      if (json) {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c));
        return 0;
      }
      out.printf(
          "cluster %s, placement version %d%n%n",
          c.get("clusterId").asText(), c.get("version").asLong());
      out.printf("%-8s %-22s %s%n", "NODE", "HTTP", "LEASE UNTIL");
      for (JsonNode m : c.get("members")) {
        out.printf(
            "%-8s %-22s %s%s%n",
            m.get("nodeId").asText(),
            m.get("httpAddress").asText(),
            m.get("leaseDeadline").asText(),
            m.get("leaving").asBoolean() ? " (leaving)" : "");
      }
      out.printf("%n%-40s %-7s %-8s %s%n", "SEGMENT", "STATE", "OWNER", "EPOCH");
      for (JsonNode s : c.get("segments")) {
        if (s.get("state").asText().equals("OPEN")) {
          out.printf(
              "%-40s %-7s %-8s %d%n",
              s.get("id").asText(),
              s.get("state").asText(),
              s.get("owner").asText(),
              s.get("epoch").asLong());
        }
      }
      long sealed = 0;
      for (JsonNode s : c.get("segments")) {
        sealed += s.get("state").asText().equals("SEALED") ? 1 : 0;
      }
      out.printf("(%d sealed segments not shown)%n", sealed);
      return 0;
    }
  }
}
