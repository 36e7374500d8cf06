package io.fossil.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A minimal Server-Sent Events client for the tests: connects, collects events (id and JSON data)
 * on a thread of its own, and disconnects on {@link #close()}.
 */
final class Sse implements AutoCloseable {

  /** One event as received: its SSE id (a cursor) and its data. */
  record Event(String id, JsonNode data) {}

  final List<Event> events = new CopyOnWriteArrayList<>();
  final List<String> errors = new CopyOnWriteArrayList<>();
  private final Stream<String> lines;
  private final Thread reader;
  private final int status;

  private Sse(Stream<String> lines, int status) {
    this.lines = lines;
    this.status = status;
    this.reader = new Thread(this::consume, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  /** Opens {@code url}, sending {@code lastEventId} (if not null) as a reconnecting client does. */
  static Sse open(String url, String lastEventId) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response =
        HttpClient.newHttpClient()
            .sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
            .get(30, TimeUnit.SECONDS);
    return new Sse(response.body(), response.statusCode());
  }

  int status() {
    return status;
  }

  private void consume() {
    String id = null;
    StringBuilder data = new StringBuilder();
    String type = null;
    try {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            if ("error".equals(type)) {
              errors.add(data.toString());
            } else {
              events.add(new Event(id, Http.JSON.readTree(data.toString())));
            }
          }
          data.setLength(0);
          type = null;
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      // the connection was closed under us: that is how a test disconnects
    }
  }

  /** The id of the last event received: where a reconnecting client resumes. */
  String lastId() {
    return events.isEmpty() ? null : events.get(events.size() - 1).id();
  }

  /** Disconnects; once it returns, no more events are added. */
  @Override
  public void close() {
    lines.close();
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
