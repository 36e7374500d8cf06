package io.fossil.router;

import io.fossil.position.Cursor;
import io.fossil.reader.CursorReader;
import io.fossil.reader.LiveHeads;
import io.fossil.reader.Selection;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * One live reader. Its state lives on the request's event loop ({@code context}); store reads and
 * notifications hop back there. It reads when told a segment it selects has news, when placement
 * changed, or when its last page was full.
 */
final class LiveTail {

  static final int LIVE_PAGE = 100;
  static final long HEARTBEAT_MILLIS = 15_000;

  private final Vertx vertx;
  private final NodeServices node;
  private final AtomicInteger liveReaders;
  private final HttpServerResponse response;
  private final Context context;
  private final Selection selection;
  private final Predicate<String> readable;
  private final boolean head;
  private Cursor cursor;
  private boolean reading;
  private boolean again;
  private boolean closed;
  private boolean started;
  private LiveHeads.Subscription subscription;
  private long heartbeat;

  /**
   * @param liveReaders the count of open tails, which this one joins while it streams
   * @param readable the streams the caller may read; null: all of them
   */
  LiveTail(
      Vertx vertx,
      NodeServices node,
      AtomicInteger liveReaders,
      HttpServerResponse response,
      Context context,
      Selection selection,
      Predicate<String> readable,
      boolean head) {
    this.vertx = vertx;
    this.node = node;
    this.liveReaders = liveReaders;
    this.response = response;
    this.context = context;
    this.selection = selection;
    this.readable = readable;
    this.head = head;
  }

  void begin(Cursor from) {
    if (closed || response.closed()) {
      closed = true;
      return;
    }
    cursor = from;
    started = true;
    response
        .setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    if (head) {
      // HEAD: the headers a GET would start with, and no stream.
      closed = true;
      response.end();
      return;
    }
    response.write(": fossil live tail\n\n");
    response.exceptionHandler(e -> close());
    liveReaders.incrementAndGet();
    // Subscribe before the first read, so nothing committed in between goes unnoticed.
    subscription =
        node.liveHeads()
            .subscribe(
                segment -> {
                  if (segment == null || selection.overlaps(segment)) {
                    context.runOnContext(v -> read());
                  }
                });
    heartbeat =
        vertx.setPeriodic(
            HEARTBEAT_MILLIS,
            id -> {
              if (!closed) {
                response.write(": heartbeat\n\n");
              }
            });
    read();
  }

  private void read() {
    if (closed) {
      return;
    }
    if (reading) {
      again = true; // read once more when the current read is done
      return;
    }
    if (response.writeQueueFull()) {
      // A slow client: read on when what was sent has drained, not on every notification.
      response.drainHandler(d -> read());
      return;
    }
    reading = true;
    again = false;
    node.cursorReader()
        .read(node.view(), cursor, selection, LIVE_PAGE, true)
        .whenComplete(
            (page, error) ->
                context.runOnContext(
                    v -> {
                      reading = false;
                      if (closed) {
                        return;
                      }
                      if (error != null) {
                        Throwable cause = Failures.cause(error);
                        String why =
                            cause instanceof Problem p ? p.detail() : "read failed: " + cause;
                        response.write("event: error\ndata: " + why.replace('\n', ' ') + "\n\n");
                        response.end();
                        close();
                        return;
                      }
                      send(page);
                      cursor = page.cursor();
                      if (page.more() || again) {
                        read();
                      }
                    }));
  }

  private void send(CursorReader.Page page) {
    if (page.events().isEmpty()) {
      return;
    }
    Buffer out = Buffer.buffer(256 * page.events().size());
    boolean skipped = false;
    for (CursorReader.CursorEvent e : page.events()) {
      if (readable != null && !readable.test(e.event().stream())) {
        skipped = true;
        continue;
      }
      skipped = false;
      out.appendString("id: ").appendString(e.after().encode()).appendString("\ndata: ");
      out.appendBuffer(JsonOut.of(g -> EventJson.write(g, e.event(), e.position().toString())));
      out.appendString("\n\n");
    }
    if (skipped) {
      // The last events were of streams the caller may not read: an id without data moves the
      // client's Last-Event-ID past them (an EventSource dispatches nothing for it).
      out.appendString("id: ")
          .appendString(page.events().get(page.events().size() - 1).after().encode())
          .appendString("\n\n");
    }
    if (out.length() > 0) {
      response.write(out);
    }
  }

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!started) {
      return;
    }
    liveReaders.decrementAndGet();
    vertx.cancelTimer(heartbeat);
    if (subscription != null) {
      subscription.close();
    }
  }
}
