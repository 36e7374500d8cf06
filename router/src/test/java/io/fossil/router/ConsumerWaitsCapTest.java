package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.position.Cursor;
import io.fossil.position.GlobalPosition;
import io.fossil.reader.CursorReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The node's cap on consumer waits ({@link HttpApi.Options#maxConsumerWaits()}) on an API without
 * security: past it a wait is a 429 {@code too-many-waits} with {@code Retry-After}, and a slot
 * comes back when a wait is answered.
 */
class ConsumerWaitsCapTest extends ApiTestServer {

  private static final String POSITION = new GlobalPosition(FakeNode.RING, 5).toString();

  @Override
  HttpApi.Options options(HttpApi.Options plain) {
    return plain.withMaxConsumerWaits(2);
  }

  @Test
  void aWaitOverTheNodesCapIs429UntilOneIsAnswered() {
    CompletableFuture<HttpResponse<String>> first = openWait("view-a");
    CompletableFuture<HttpResponse<String>> second = openWait("view-b");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> node.consumers().waiting() == 2);

    Response third = get("/consumers/view-c/wait?position=" + POSITION + "&timeout=0");

    assertThat(third.problem(429, ProblemType.TOO_MANY_WAITS).path("limit").asInt()).isEqualTo(2);
    assertThat(third.header("Retry-After")).isEqualTo("1");
    // The consumer reaches the position: the first wait is answered and its slot comes back.
    String cursor =
        new Cursor(
                CursorReader.clusterTag(node.view()), List.of(new Cursor.Entry(FakeNode.RING, 10)))
            .encode();
    Response put =
        call(
            "PUT",
            "/consumers/view-a/cursor",
            "application/json",
            "{\"cursor\":\"" + cursor + "\"}");
    assertThat(put.status()).as(put.raw().body()).isEqualTo(200);
    assertThat(first.orTimeout(10, TimeUnit.SECONDS).join().body()).contains("\"reached\":true");
    Response again = get("/consumers/view-c/wait?position=" + POSITION + "&timeout=0");
    assertThat(again.status()).as(again.raw().body()).isEqualTo(200);
    assertThat(second).isNotDone();
  }

  @Test
  void noCapIsZero() {
    assertThat(HttpApi.Options.defaults("h", 1).maxConsumerWaits())
        .isEqualTo(HttpApi.Options.DEFAULT_MAX_CONSUMER_WAITS)
        .isEqualTo(1000);
    assertThat(HttpApi.Options.defaults("h", 1).withMaxConsumerWaits(0).maxConsumerWaits())
        .isZero();
  }

  private CompletableFuture<HttpResponse<String>> openWait(String consumer) {
    return client()
        .sendAsync(
            HttpRequest.newBuilder(
                    URI.create(
                        base
                            + "/consumers/"
                            + consumer
                            + "/wait?position="
                            + POSITION
                            + "&timeout=30000"))
                .timeout(Duration.ofSeconds(40))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
