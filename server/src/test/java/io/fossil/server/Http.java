package io.fossil.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
    return send(request("POST", url, contentType, body), follow);
  }

  /** Any method, without following redirects. */
  Response call(String method, String url, String contentType, String body) {
    return send(request(method, url, contentType, body), false);
  }

  /** A request with a 30 s timeout; null {@code contentType} or {@code body} leaves it out. */
  static HttpRequest request(String method, String url, String contentType, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return b.build();
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

  /** Sends one request over a plain socket, byte for byte as given (no client-side checks). */
  static Response raw(String baseUrl, String method, String path, String contentType, String body) {
    return raw(baseUrl, method, path, contentType, body, null);
  }

  /** {@link #raw} with one more header line ({@code "Name: value"}), or none if null. */
  static Response raw(
      String baseUrl,
      String method,
      String path,
      String contentType,
      String body,
      String extraHeader) {
    URI base = URI.create(baseUrl);
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nHost: "
            + base.getAuthority()
            + "\r\nConnection: close\r\nContent-Length: "
            + content.length
            + "\r\n"
            + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
            + (extraHeader == null ? "" : extraHeader + "\r\n")
            + "\r\n";
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      // UTF-8, not ASCII: a path that is not ASCII goes out as raw UTF-8 bytes, as curl sends it.
      out.write(head.getBytes(StandardCharsets.UTF_8));
      out.write(content);
      out.flush();
      String[] parts =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
              .split("\r\n\r\n", 2);
      String[] lines = parts[0].split("\r\n");
      String type = null;
      String location = null;
      for (String line : lines) {
        String lower = line.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-type:")) {
          type = line.substring(13).trim();
        } else if (lower.startsWith("location:")) {
          location = line.substring(9).trim();
        }
      }
      return new Response(
          Integer.parseInt(lines[0].split(" ")[1]),
          type,
          location,
          parts.length > 1 ? parts[1] : "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String event(String type, String data) {
    return "{\"events\":[{\"type\":\"" + type + "\",\"data\":" + data + "}]}";
  }
}
