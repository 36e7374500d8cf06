package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The forwarder against a real HTTP server standing in for the owner: answers are relayed,
 * redirects followed, and a failure is "no-owner" only when the request certainly never left.
 */
class ForwarderTest {

  private Vertx vertx;
  private HttpServer owner;
  private Forwarder forwarder;
  private final AtomicInteger received = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    owner =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              received.incrementAndGet();
                              switch (req.path()) {
                                case "/moved" ->
                                    req.response()
                                        .setStatusCode(307)
                                        .putHeader("Location", base() + "/owner")
                                        .end();
                                case "/owner" ->
                                    req.response()
                                        .setStatusCode(201)
                                        .putHeader("Content-Type", "application/json")
                                        .end(body);
                                case "/busy" ->
                                    req.response()
                                        .setStatusCode(503)
                                        .putHeader("Content-Type", "application/problem+json")
                                        .putHeader("Retry-After", "7")
                                        .end("{\"type\":\"overloaded\"}");
                                default -> req.connection().close();
                              }
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    forwarder = new Forwarder(vertx, null);
  }

  @AfterEach
  void stop() throws Exception {
    forwarder.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private String base() {
    return "http://127.0.0.1:" + owner.actualPort();
  }

  private Answer forward(String location) throws Exception {
    return forwarder.forward(location, Buffer.buffer("{\"n\":1}"), null).get(10, TimeUnit.SECONDS);
  }

  @Test
  void followsARedirectAndRelaysTheOwnersAnswer() throws Exception {
    Answer answer = forward(base() + "/moved");
    assertThat(answer.status()).isEqualTo(201);
    assertThat(answer.body().toString()).isEqualTo("{\"n\":1}");
    assertThat(answer.contentType()).isEqualTo("application/json");
    assertThat(received).hasValue(2);
  }

  @Test
  void relaysAProblemWithItsRetryAfter() throws Exception {
    Answer answer = forward(base() + "/busy");
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.contentType()).isEqualTo("application/problem+json");
    assertThat(answer.headers()).containsEntry("Retry-After", "7");
  }

  @Test
  void aConnectionClosedAfterTheRequestWasSentIsAnUnknownOutcome() {
    assertThatThrownBy(() -> forward(base() + "/close"))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            Problem.class,
            p -> {
              assertThat(p.type()).isEqualTo(ProblemType.OUTCOME_UNKNOWN);
              assertThat(p.retryAfterSeconds()).isEqualTo(1);
            });
    // The owner did receive it: it could have committed, so "no-owner" would have been wrong.
    assertThat(received).hasValue(1);
  }

  @Test
  void anOwnerThatCannotBeReachedIsNoOwner() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    assertThatThrownBy(() -> forward("http://127.0.0.1:" + closedPort + "/owner"))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            Problem.class, p -> assertThat(p.type()).isEqualTo(ProblemType.NO_OWNER));
    assertThat(received).hasValue(0);
  }
}
