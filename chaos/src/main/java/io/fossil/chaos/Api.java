package io.fossil.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fossil.security.ClientCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;

/**
 * The HTTP calls the suite makes, over the JDK client (which re-sends a POST on a 307, with its
 * headers). Over HTTPS it trusts the credentials' CA only, checks every host name against the
 * node's certificate, and sends the bearer token with every request.
 */
final class Api {

  static final ObjectMapper JSON = new ObjectMapper();

  /** Status and body. */
  record Response(int status, String body) {}

  private final HttpClient client;
  private final Duration timeout;
  private final String authorization; // null: none; sent over HTTPS only, never logged

  /** Plain HTTP, no credentials. */
  Api(Duration timeout) {
    this.timeout = timeout;
    this.client = builder().build();
    this.authorization = null;
  }

  /** HTTPS (and plain HTTP, for etcd) with {@code credentials}. */
  Api(Duration timeout, ClientCredentials credentials) throws GeneralSecurityException {
    this.timeout = timeout;
    this.client = builder().sslContext(credentials.sslContext()).build();
    this.authorization = credentials.authorization().orElse(null);
  }

  private static HttpClient.Builder builder() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(1));
  }

  Response get(String url) throws IOException {
    return send(request(url).GET().build());
  }

  Response post(String url, String json) throws IOException {
    return send(
        request(url)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private HttpRequest.Builder request(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
    return authorization == null || !url.startsWith("https:")
        ? b
        : b.header("Authorization", authorization);
  }

  private Response send(HttpRequest request) throws IOException {
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
