package io.fossil.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fossil.router.PayloadJson;
import io.fossil.security.ClientCredentials;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Client subcommands for people at a terminal; they talk to any node over HTTP. */
final class ClientCommands {

  /** Reads what the user types and what a node answers as the HTTP API reads payloads. */
  private static final ObjectMapper JSON = PayloadJson.mapper(new JsonFactory()).build();

  private ClientCommands() {}

  /** Options every client command shares, and the HTTP exchange with a node. */
  abstract static class Base implements Callable<Integer> {
    /** Redirects followed per request: a 307 to the owner, once more if placement just moved. */
    private static final int MAX_REDIRECTS = 3;

    @Option(names = "--url", description = "any node's base URL (default: ${DEFAULT-VALUE})")
    String url = "http://127.0.0.1:8081";

    @Option(
        names = "--ca",
        paramLabel = "FILE",
        description =
            "trust the CA certificates in FILE (PEM) for https URLs, such as fossil dev --secure's"
                + " DATA/secure/ca.pem (default: the JDK's trust store)")
    Path ca;

    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        description =
            "send the bearer token in FILE, such as DATA/secure/admin.token (default: the token in"
                + " $FOSSIL_TOKEN, if set)")
    Path tokenFile;

    @Option(
        names = "--cert",
        paramLabel = "FILE",
        description = "present this client certificate chain (PEM); needs --key")
    Path certificate;

    @Option(names = "--key", paramLabel = "FILE", description = "the private key of --cert (PEM)")
    Path key;

    PrintStream out = System.out;
    PrintStream err = System.err;

    /** Where {@code FOSSIL_TOKEN} is looked up; tests replace it. */
    Function<String, String> environment = System::getenv;

    private HttpClient http;
    private ClientCredentials credentials;

    /**
     * Sends the request with the credentials, following the cluster's 307s to the owner itself: the
     * same request with the same token, at most {@link #MAX_REDIRECTS} hops, never from https to
     * plain http, whatever the JDK's redirect policy does with an Authorization header.
     */
    HttpResponse<String> send(HttpRequest.Builder request)
        throws IOException, InterruptedException {
      HttpRequest first = request.timeout(requestTimeout()).build();
      HttpRequest next = first;
      for (int hops = 0; ; hops++) {
        HttpResponse<String> response = exchange(next);
        int status = response.statusCode();
        var location = response.headers().firstValue("Location");
        if ((status != 307 && status != 308) || location.isEmpty() || hops == MAX_REDIRECTS) {
          return response;
        }
        URI target = next.uri().resolve(location.get());
        if (next.uri().getScheme().equalsIgnoreCase("https")
            && !"https".equalsIgnoreCase(target.getScheme())) {
          throw new IllegalStateException(
              "the node at "
                  + next.uri().getAuthority()
                  + " redirected to "
                  + target
                  + ", which is not https; not following it");
        }
        next = HttpRequest.newBuilder(first, (name, value) -> true).uri(target).build();
      }
    }

    /** How long one request may take; a command whose node works for longer says so. */
    Duration requestTimeout() {
      return Duration.ofSeconds(30);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    URI uri(String path) {
      return URI.create(url.replaceAll("/+$", "") + path);
    }

    private HttpResponse<String> exchange(HttpRequest request)
        throws IOException, InterruptedException {
      HttpClient client = client();
      HttpRequest authorized =
          credentials
              .authorization()
              .map(
                  a ->
                      HttpRequest.newBuilder(request, (name, value) -> true)
                          .header("Authorization", a)
                          .build())
              .orElse(request);
      try {
        return client.send(authorized, HttpResponse.BodyHandlers.ofString());
      } catch (SSLException e) {
        throw new IllegalStateException(tlsFailure(request.uri(), e), e);
      } catch (IOException e) {
        // What the JDK says when a node that serves https closes a plain-text request unanswered.
        if ("http".equalsIgnoreCase(request.uri().getScheme())
            && String.valueOf(e.getMessage()).contains("received no bytes")) {
          throw new IllegalStateException(
              "the node at "
                  + request.uri().getAuthority()
                  + " closed the connection without an answer; does it serve https? then use an"
                  + " https URL",
              e);
        }
        throw e;
      }
    }

    /** The client, built at the first request from --ca, --cert/--key and the token. */
    private HttpClient client() {
      if (http != null) {
        return http;
      }
      if ((certificate == null) != (key == null)) {
        throw new IllegalArgumentException("--cert and --key go together");
      }
      try {
        credentials = ClientCredentials.load(ca, certificate, key, tokenFile, environment);
        http =
            HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(credentials.sslContext())
                .build();
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("no such file: " + e.getFile(), e);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the credentials: " + e, e);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      URI base = uri("");
      if (credentials.hasToken()
          && "http".equalsIgnoreCase(base.getScheme())
          && !isLoopback(base.getHost())) {
        err.println(
            "fossil: warning: sending the bearer token to "
                + base.getAuthority()
                + " over plain http; use an https URL");
      }
      return http;
    }

    private String tlsFailure(URI uri, SSLException e) {
      String reason = String.valueOf(e.getMessage());
      String hint;
      if (reason.contains("PKIX") || reason.contains("certification path")) {
        reason = "the node's certificate is not signed by a CA this client trusts";
        hint =
            ca == null
                ? "pass the cluster's CA with --ca FILE (fossil dev --secure writes"
                    + " DATA/secure/ca.pem)"
                : "is " + ca + " the CA that issued the node's certificate?";
      } else if (reason.contains("No subject alternative")) {
        hint = "the node's certificate does not name " + uri.getHost() + "; use a name it has";
      } else if (reason.contains("Unsupported or unrecognized SSL message")) {
        hint = "does the node serve plain http? then use an http URL";
      } else {
        hint = "is --url right, and is --ca the cluster's CA?";
      }
      return "TLS handshake with " + uri.getAuthority() + " failed: " + reason + "; " + hint;
    }

    private static boolean isLoopback(String host) {
      return host != null
          && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
    }

    /** Prints a problem for people; returns the exit code. */
    int failed(HttpResponse<String> response) {
      int status = response.statusCode();
      String text = response.body();
      JsonNode p = null;
      try {
        p = JSON.readTree(response.body());
      } catch (IOException e) {
        // not JSON: print it as it came
      }
      if (p != null && p.has("detail")) {
        String title = p.path("title").asText("");
        text =
            (title.isEmpty() ? "" : title + ": ")
                + p.get("detail").asText()
                + "  ["
                + p.path("type").asText()
                + "]";
      }
      err.println("HTTP " + status + ": " + text);
      String hint =
          switch (status) {
            case 401 ->
                credentials.hasToken()
                    ? "the node refused the token: is it expired, or for another cluster?"
                    : "send a token with --token-file FILE (or $FOSSIL_TOKEN), or a client"
                        + " certificate with --cert and --key";
            case 403 -> "the credentials were accepted, but they lack this permission";
            case 429 ->
                response
                    .headers()
                    .firstValue("Retry-After")
                    .map(s -> "retry after " + s + " s")
                    .orElse("retry later");
            default -> null;
          };
      if (hint != null) {
        err.println("  " + hint);
      }
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
