package io.fossil.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A reader that follows every stream through a cursor from the beginning, moving to another node
 * whenever the one it asks fails, and records every event in the order it saw them.
 */
final class Tailer {

  private final Api api;
  private final List<String> urls;
  private final Random random;
  private final String name;
  private final List<Seen> seen = new ArrayList<>();
  private String cursor;
  private volatile boolean stopped;
  private volatile String lastError = "none";

  Tailer(Api api, List<String> urls, Random random, String name) {
    this.api = api;
    this.urls = List.copyOf(urls);
    this.random = random;
    this.name = name;
  }

  String name() {
    return name;
  }

  synchronized List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** The last failed page, for the report when the tailer cannot catch up. */
  String lastError() {
    return lastError;
  }

  void stop() {
    stopped = true;
  }

  /** Follows until stopped: polls, and waits a little after an empty page. */
  void follow() {
    while (!stopped) {
      int n = page(urls.get(random.nextInt(urls.size())));
      if (n <= 0) {
        pause(n < 0 ? 200 : 50);
      }
    }
  }

  /**
   * After the writes stopped: reads until two pages in a row come back empty, or {@code atMost}.
   *
   * @return whether it caught up
   */
  boolean drain(Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    int empty = 0;
    while (empty < 2 && System.nanoTime() - deadline < 0) {
      int n = page(urls.get(random.nextInt(urls.size())));
      if (n == 0) {
        empty++;
      } else if (n > 0) {
        empty = 0;
      } else {
        pause(200);
      }
    }
    return empty >= 2;
  }

  /** Reads one page; returns the events read, or -1 if the node failed. */
  private int page(String url) {
    String query = "/events?limit=500" + (cursor == null ? "" : "&after=" + enc(cursor));
    try {
      Api.Response r = api.get(url + query);
      if (r.status() != 200) {
        lastError = url + " answered " + r.status() + ": " + r.body();
        return -1;
      }
      JsonNode json = Api.JSON.readTree(r.body());
      List<Seen> events = new ArrayList<>();
      for (JsonNode e : json.path("events")) {
        events.add(Seen.fromJson(e));
      }
      synchronized (this) {
        seen.addAll(events);
        cursor = json.path("cursor").asText();
      }
      return events.size();
    } catch (IOException | RuntimeException e) {
      lastError = url + ": " + e;
      return -1;
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis); // polling interval, not waiting for a condition
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
