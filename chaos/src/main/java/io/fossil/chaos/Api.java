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
import java.util.Optional;

/**
 * The HTTP calls the suite makes, over the JDK client. It follows a node's 307 (or 308) to the
 * owner itself, re-sending the same request with the same headers, up to {@value #MAX_REDIRECTS}
 * times: newer JDKs drop the {@code Authorization} header on a redirect to another host or port.
 * Over HTTPS it trusts the credentials' CA only, checks every host name against the node's
 * certificate, sends the bearer token with every request, and refuses a redirect to plain HTTP.
 */
final class Api {

  static final ObjectMapper JSON = new ObjectMapper();

  private static final int MAX_REDIRECTS = 5;

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
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(1));
  }

  Response get(String url) throws IOException {
    return send(url, null);
  }

  Response post(String url, String json) throws IOException {
    return send(url, json);
  }

  /** GET without a body, POST with one; following 307 and 308. */
  private Response send(String url, String json) throws IOException {
    URI uri = URI.create(url);
    for (int hop = 0; ; hop++) {
      HttpResponse<String> r = exchange(uri, json);
      int status = r.statusCode();
      Optional<String> location = r.headers().firstValue("Location");
      if ((status != 307 && status != 308) || location.isEmpty() || hop == MAX_REDIRECTS) {
        return new Response(status, r.body());
      }
      URI next = uri.resolve(location.get());
      if (isHttps(uri) && !isHttps(next)) {
        throw new IOException("refused a redirect from https to " + next.getScheme());
      }
      uri = next;
    }
  }

  private HttpResponse<String> exchange(URI uri, String json) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
    if (authorization != null && isHttps(uri)) {
      b.header("Authorization", authorization);
    }
    if (json == null) {
      b.GET();
    } else {
      b.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static boolean isHttps(URI uri) {
    return "https".equalsIgnoreCase(uri.getScheme());
  }
}
