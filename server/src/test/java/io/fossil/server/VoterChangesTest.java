package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fossil.compaction.Compactor;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.owner.SegmentAppender;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.Segment;
import io.fossil.router.HttpApi;
import io.fossil.router.HttpRuntime;
import io.fossil.security.ClientCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 33's voters, end to end (ADR 29): real nodes in one process, each with its placement voter
 * (Ratis over gRPC, mutual TLS with {@code fossil dev --secure}'s certificates), a shared store,
 * HTTPS with the admin token — and a writer appending all along. A voter whose Raft storage is lost
 * is replaced through {@code POST /admin/voters}, and the group grows from three voters to five; no
 * append fails and every acknowledged event is read back where it was acknowledged.
 */
class VoterChangesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PlacementConfig PLACEMENT = new PlacementConfig(8, 3, 5_000, 4);
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path data;
  private DevSecurity secure;
  private KvStore store;
  private HttpRuntime runtime;
  private final Map<String, String> raft = new LinkedHashMap<>();
  private final Map<String, Integer> httpPorts = new LinkedHashMap<>();
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();
  private HttpClient https;
  private String authorization;
  private Writer writer;

  @BeforeEach
  void start() throws Exception {
    secure = DevSecurity.prepare(data, 5, List.of("127.0.0.1"), Clock.systemUTC());
    store = KvStores.open("mem:voters-" + UUID.randomUUID());
    runtime = HttpRuntime.create();
    int raftBase = Ports.freeRun(5);
    int httpBase = Ports.freeRun(5);
    for (int i = 1; i <= 5; i++) {
      raft.put("n" + i, "127.0.0.1:" + (raftBase + i - 1));
      httpPorts.put("n" + i, httpBase + i - 1);
    }
    ClientCredentials admin =
        ClientCredentials.load(secure.caCertificate(), null, null, secure.adminToken(), n -> null);
    https = HttpClient.newBuilder().sslContext(admin.sslContext()).build();
    authorization = admin.authorization().orElseThrow();
    Map<String, String> three = voters("n1", "n2", "n3");
    // Together: a node is up once it registered, which needs a majority of the voters.
    CompletableFuture.allOf(
            three.keySet().stream()
                .map(id -> newNode(id, three).start())
                .toArray(CompletableFuture[]::new))
        .get(90, TimeUnit.SECONDS);
    await()
        .atMost(BOUND)
        .until(() -> nodes.values().stream().allMatch(n -> n.notReadyReason() == null));
    writer = new Writer(url("n1"));
    writer.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (writer != null) {
      writer.stop();
    }
    nodes.values().parallelStream().forEach(Node::close);
    if (runtime != null) {
      runtime.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aVoterWhoseDiskIsLostIsReplacedWhileAppendsGoOn() throws Exception {
    writer.awaitAppends(20);
    // n2's disk is lost: it hands its segments away and stops, and its Raft directory is gone.
    assertThat(nodes.get("n2").leave(Duration.ofSeconds(15)).get(30, TimeUnit.SECONDS)).isTrue();
    nodes.remove("n2").close();
    delete(data.resolve("raft").resolve("n2"));
    await().atMost(BOUND).until(() -> !voter(getVoters("n1"), "n2").path("healthy").asBoolean());

    // It comes back with an empty Raft directory. The store says it had one and the group still
    // lists it: its voter does not start, and the node says why — but it serves as a writer.
    Node back = startNode("n2", voters("n1", "n2", "n3"));
    await().atMost(BOUND).until(() -> back.notReadyReason() == null);
    assertThat(back.warning()).hasValueSatisfying(w -> assertThat(w).contains("voters replace n2"));

    // Refusals change nothing.
    problem(post("n1", "{\"remove\": [\"n9\"]}"), 404, "unknown-voter");
    problem(post("n1", "{\"remove\": [\"n3\"]}"), 409, "no-live-majority");
    problem(post("n1", "{\"add\": {\"n1\": null}}"), 409, "voters-unchanged");
    int before = writer.acknowledged();

    // What an operator runs: fossil voters replace n2.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    VotersCommand.Replace replace = new VotersCommand.Replace();
    replace.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    replace.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    replace.environment = n -> null;
    int exit =
        new CommandLine(replace)
            .execute(
                "--url=" + url("n1"),
                "--ca=" + secure.caCertificate(),
                "--token-file=" + secure.adminToken(),
                "n2");
    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .containsPattern("(?m)^n2 +127\\.0\\.0\\.1:\\d+ +(follower|leader) ");
    assertThat(ids(getVoters("n1"))).containsExactly("n1", "n2", "n3");
    assertThat(back.warning()).isEmpty();
    await().atMost(BOUND).until(() -> allHealthy(getVoters("n3"), 3));

    writer.awaitAppends(writer.acknowledged() - before + 20);
    writer.stop();
    writer.checkEveryAppendSucceededAndIsReadBack();
  }

  @Test
  void theGroupGrowsFromThreeVotersToFiveWhileAppendsGoOn() throws Exception {
    writer.awaitAppends(20);
    // The new nodes know all five voters, and derive from them that a ring waits for five nodes,
    // as fossil node does from --voters; the cluster exists, so their voters start outside the
    // group and wait to be added.
    Map<String, String> five = voters("n1", "n2", "n3", "n4", "n5");
    PlacementConfig fiveExpected = new PlacementConfig(8, 5, 5_000, 4);
    startNode("n4", five, fiveExpected);
    startNode("n5", five, fiveExpected);
    await()
        .atMost(BOUND)
        .until(() -> nodes.values().stream().allMatch(n -> n.notReadyReason() == null));

    // Only a voter changes the voters.
    problem(post("n4", "{\"add\": [\"n4\", \"n5\"]}"), 409, "not-a-voter");
    // n1 knows only three voters, so the new ones come with their addresses.
    HttpResponse<String> grown =
        post(
            "n1",
            "{\"add\": {\"n4\": \"" + raft.get("n4") + "\", \"n5\": \"" + raft.get("n5") + "\"}}");
    assertThat(grown.statusCode()).as(grown.body()).isEqualTo(200);
    assertThat(ids(JSON.readTree(grown.body()))).containsExactly("n1", "n2", "n3", "n4", "n5");
    await().atMost(BOUND).until(() -> allHealthy(getVoters("n4"), 5));
    // The new voters replayed the log from its start, ring assignment included, and apply it as
    // the others did: the policy comes from the store, not from their own voter lists.
    for (String id : List.of("n4", "n5")) {
      await()
          .atMost(BOUND)
          .until(() -> openSegments(nodes.get(id)).equals(openSegments(nodes.get("n1"))));
    }

    int before = writer.acknowledged();
    writer.awaitAppends(before + 20);
    writer.stop();
    writer.checkEveryAppendSucceededAndIsReadBack();
  }

  // ------------------------------------------------------------------ the cluster

  private Map<String, String> voters(String... ids) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String id : ids) {
      map.put(id, raft.get(id));
    }
    return map;
  }

  private Node startNode(String id, Map<String, String> voters) throws Exception {
    return startNode(id, voters, PLACEMENT);
  }

  private Node startNode(String id, Map<String, String> voters, PlacementConfig placement)
      throws Exception {
    Node node = newNode(id, voters, placement);
    node.start().get(90, TimeUnit.SECONDS);
    return node;
  }

  private Node newNode(String id, Map<String, String> voters) {
    return newNode(id, voters, PLACEMENT);
  }

  private Node newNode(String id, Map<String, String> voters, PlacementConfig placement) {
    try {
      return createNode(id, voters, placement);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Node createNode(String id, Map<String, String> voters, PlacementConfig placement)
      throws IOException {
    DevSecurity.NodeFiles files = secure.node(id);
    SecurityOptions security =
        new SecurityOptions(
            files.key(),
            files.certificate(),
            files.ca(),
            secure.permissions(),
            secure.tokenConfig(),
            false);
    int port = httpPorts.get(id);
    HttpApi.Options http =
        HttpApi.Options.defaults("127.0.0.1", port)
            .withForward(true)
            .withSecurity(
                security.http(SecurityFlags.defaultLimits(), Set.of(), Clock.systemUTC()));
    Node node =
        new Node(
            new NodeConfig(
                id,
                http,
                "127.0.0.1:" + port,
                voters,
                data.resolve("raft").resolve(id),
                placement,
                SegmentAppender.Config.DEFAULT,
                BOUND,
                Compactor.Options.DEFAULTS,
                null,
                security),
            store,
            runtime);
    nodes.put(id, node);
    return node;
  }

  /** The open segments and their owners as {@code node}'s voter applied them. */
  private static Map<String, String> openSegments(Node node) {
    Map<String, String> open = new java.util.TreeMap<>();
    node.voterView()
        .ifPresent(
            v ->
                v.segments().stream()
                    .filter(Segment::isOpen)
                    .forEach(s -> open.put(s.id().toString(), s.owner())));
    return open;
  }

  private String url(String id) {
    return "https://127.0.0.1:" + httpPorts.get(id);
  }

  private static void delete(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  // ------------------------------------------------------------------ /admin/voters

  private JsonNode getVoters(String id) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url(id) + "/admin/voters")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> post(String id, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url(id) + "/admin/voters"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return https.send(
        request.header("Authorization", authorization).timeout(Duration.ofSeconds(90)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void problem(HttpResponse<String> r, int status, String slug) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(JSON.readTree(r.body()).path("type").asText())
        .isEqualTo("urn:fossil:problem:" + slug);
  }

  private static JsonNode voter(JsonNode voters, String id) {
    for (JsonNode v : voters.path("voters")) {
      if (v.path("id").asText().equals(id)) {
        return v;
      }
    }
    throw new AssertionError(id + " is not a voter: " + voters);
  }

  private static List<String> ids(JsonNode voters) {
    List<String> ids = new ArrayList<>();
    voters.path("voters").forEach(v -> ids.add(v.path("id").asText()));
    return ids;
  }

  private static boolean allHealthy(JsonNode voters, int count) {
    List<JsonNode> all = new ArrayList<>();
    voters.path("voters").forEach(all::add);
    return all.size() == count
        && !voters.path("changing").asBoolean()
        && all.stream().allMatch(v -> v.path("healthy").asBoolean());
  }

  // ------------------------------------------------------------------ the writer

  /**
   * Appends one event at a time to a few streams through one node (which forwards to the owner), as
   * a careful client does: an append that fails is sent again with the same event id, up to ten
   * times; only an append that never succeeded counts as failed.
   */
  private final class Writer {
    private final String base;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger retried = new AtomicInteger();
    private final List<String[]> acknowledged =
        java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread thread = new Thread(this::run, "voters-test-writer");

    Writer(String base) {
      this.base = base;
    }

    void start() {
      thread.start();
    }

    int acknowledged() {
      return acknowledged.size();
    }

    void awaitAppends(int count) {
      await().atMost(BOUND).until(() -> acknowledged.size() >= count || !thread.isAlive());
      assertThat(acknowledged.size()).isGreaterThanOrEqualTo(count);
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(60_000);
    }

    private void run() {
      for (int i = 0; running.get(); i++) {
        String stream = "voters-" + (i % 6);
        String id = UUID.randomUUID().toString();
        String body =
            "{\"events\":[{\"id\":\"" + id + "\",\"type\":\"T\",\"data\":{\"i\":" + i + "}}]}";
        boolean done = false;
        for (int attempt = 0; attempt < 10 && !done; attempt++) {
          try {
            HttpResponse<String> r =
                send(
                    HttpRequest.newBuilder(URI.create(base + "/streams/" + stream))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
            if (r.statusCode() == 200 || r.statusCode() == 201) {
              long position = JSON.readTree(r.body()).path("position").asLong();
              acknowledged.add(new String[] {stream, Long.toString(position), id});
              done = true;
            } else {
              retried.incrementAndGet();
              TimeUnit.MILLISECONDS.sleep(200); // a client's backoff, not a wait in the test
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (Exception e) {
            retried.incrementAndGet();
          }
        }
        if (!done) {
          failed.incrementAndGet();
        }
      }
    }

    /** Every event of {@code stream}: position → event id. */
    private Map<Long, String> readAll(String stream) throws Exception {
      Map<Long, String> events = new LinkedHashMap<>();
      for (long from = 0; ; ) {
        HttpResponse<String> r =
            send(
                HttpRequest.newBuilder(
                    URI.create(base + "/streams/" + stream + "?from=" + from + "&limit=1000")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode page = JSON.readTree(r.body()).path("events");
        if (page.isEmpty()) {
          return events;
        }
        for (JsonNode e : page) {
          events.put(e.path("position").asLong(), e.path("id").asText());
          from = e.path("position").asLong() + 1;
        }
      }
    }

    void checkEveryAppendSucceededAndIsReadBack() throws Exception {
      assertThat(failed.get()).as("appends that failed after 10 tries").isZero();
      Map<String, Map<Long, String>> stored = new LinkedHashMap<>();
      for (String[] a : List.copyOf(acknowledged)) {
        if (!stored.containsKey(a[0])) {
          stored.put(a[0], readAll(a[0]));
        }
        assertThat(stored.get(a[0]).get(Long.parseLong(a[1])))
            .as(a[0] + "@" + a[1])
            .isEqualTo(a[2]);
      }
      System.out.printf(
          "voters test writer: %d appends acknowledged, %d attempts retried, %d failed%n",
          acknowledged.size(), retried.get(), failed.get());
    }
  }
}
