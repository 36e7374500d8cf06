package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * A real {@link HttpApi} on an ephemeral port over a {@link FakeNode}, called with the JDK's HTTP
 * client (redirects not followed). Each test gets a fresh node and server; the event loops are
 * shared by the test class.
 */
abstract class ApiTestServer {

  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_BODY = 4096;

  private static HttpRuntime runtime;
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  FakeNode node;
  HttpApi api;
  String base;

  @BeforeAll
  static void startRuntime() {
    runtime = HttpRuntime.create();
  }

  @AfterAll
  static void stopRuntime() {
    runtime.close();
  }

  @BeforeEach
  void startApi() {
    node = new FakeNode();
    HttpApi.Options options =
        new HttpApi.Options(
            "127.0.0.1",
            0,
            false,
            MAX_BODY,
            32,
            16 << 10,
            Duration.ofSeconds(60),
            Duration.ofMillis(100),
            3);
    api = new HttpApi(runtime, node, options(options));
    base = scheme() + "://127.0.0.1:" + api.start().join();
  }

  /** The options a test class runs its API with; by default the plain ones. */
  HttpApi.Options options(HttpApi.Options plain) {
    return plain;
  }

  /** http, or https for a test class whose options serve TLS. */
  String scheme() {
    return "http";
  }

  /** The client a test class calls with; by default plain HTTP, redirects not followed. */
  HttpClient client() {
    return CLIENT;
  }

  static HttpRuntime runtime() {
    return runtime;
  }

  @AfterEach
  void stopApi() {
    api.stop().join();
    node.close();
  }

  /** What the server answered. */
  record Response(int status, HttpResponse<String> raw) {
    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + raw.body(), e);
      }
    }

    /** Asserts a problem of this status and type with a detail; returns its JSON. */
    JsonNode problem(int status, ProblemType type) {
      assertThat(this.status).as(raw.body()).isEqualTo(status);
      assertThat(type.status()).isEqualTo(status);
      assertThat(header("Content-Type")).isEqualTo("application/problem+json");
      JsonNode p = json();
      assertThat(p.path("type").asText()).isEqualTo(type.uri());
      assertThat(p.path("status").asInt()).isEqualTo(status);
      assertThat(p.path("title").asText()).isEqualTo(type.title());
      assertThat(p.path("detail").asText()).isNotBlank();
      return p;
    }
  }

  Response get(String path) {
    return call("GET", path, null, null);
  }

  Response postJson(String path, String body) {
    return call("POST", path, "application/json", body);
  }

  /** Any method; a null {@code contentType} or {@code body} leaves it out. */
  Response call(String method, String path, String contentType, String body) {
    return call(client(), method, path, contentType, body, java.util.Map.of());
  }

  /** Any method through {@code client}, with extra headers. */
  Response call(
      HttpClient client,
      String method,
      String path,
      String contentType,
      String body,
      java.util.Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An append body of events of type T with the given ids (null: no id). */
  static String events(Long expectedPosition, String... ids) {
    StringBuilder b = new StringBuilder("{");
    if (expectedPosition != null) {
      b.append("\"expectedPosition\":").append(expectedPosition).append(',');
    }
    b.append("\"events\":[");
    for (int i = 0; i < ids.length; i++) {
      b.append(i == 0 ? "" : ",").append("{");
      if (ids[i] != null) {
        b.append("\"id\":\"").append(ids[i]).append("\",");
      }
      b.append("\"type\":\"T\",\"data\":{\"n\":").append(i).append("}}");
    }
    return b.append("]}").toString();
  }
}
