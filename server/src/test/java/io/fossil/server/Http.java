package io.fossil.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small blocking HTTP client for the end-to-end tests (the JDK's, as clients would use it). */
final class Http {

  static final ObjectMapper JSON = new ObjectMapper();

  final HttpClient noRedirects =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  final HttpClient followRedirects =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

  record Response(int status, String contentType, String location, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }
  }

  Response post(String url, String contentType, String body, boolean follow) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.build(), follow);
  }

  Response get(String url) {
    return send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
        false);
  }

  Response send(HttpRequest request, boolean follow) {
    try {
      HttpResponse<String> r =
          (follow ? followRedirects : noRedirects)
              .send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(
          r.statusCode(),
          r.headers().firstValue("Content-Type").orElse(null),
          r.headers().firstValue("Location").orElse(null),
          r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String event(String type, String data) {
    return "{\"events\":[{\"type\":\"" + type + "\",\"data\":" + data + "}]}";
  }
}
