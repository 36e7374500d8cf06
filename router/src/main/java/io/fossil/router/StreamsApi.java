package io.fossil.router;

import com.fasterxml.jackson.core.JsonGenerator;
import io.fossil.owner.AppendLimits;
import io.fossil.owner.InvalidAppendException;
import io.fossil.placement.PlacementView;
import io.fossil.position.GlobalPosition;
import io.fossil.reader.StreamReader;
import io.fossil.security.Action;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /streams/{stream}}: a page of one stream's events, forward or backward from a stream
 * position. Any node answers (reads go to the shared store).
 */
final class StreamsApi {

  private static final int DEFAULT_READ_LIMIT = 100;

  private final NodeServices node;
  private final StatusTimers readTimers;

  StreamsApi(NodeServices node) {
    this.node = node;
    this.readTimers =
        new StatusTimers(node.registry(), "fossil.http.reads", "stream reads answered, by status");
  }

  void register(Routes routes) {
    routes
        .guarded(
            routes.regex(HttpMethod.GET, "/streams/.+"),
            Action.READ,
            ctx -> StreamPath.streamName(ctx.request().path()))
        .handler(this::read);
  }

  private void read(RoutingContext ctx) {
    Timer.Sample sample = Timer.start(node.registry());
    RequestChecks.allowParams(ctx, Set.of("from", "limit", "direction"));
    String stream = StreamPath.streamName(ctx.request().path());
    try {
      AppendLimits.checkStreamName(stream);
    } catch (InvalidAppendException e) {
      throw Failures.invalidAppend(e);
    }
    String direction =
        Optional.ofNullable(RequestChecks.single(ctx, "direction")).orElse("forward");
    if (!direction.equals("forward") && !direction.equals("backward")) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "direction must be 'forward' or 'backward', was '" + direction + "'");
    }
    boolean forward = direction.equals("forward");
    long from = RequestChecks.longParam(ctx, "from", forward ? 0 : Long.MAX_VALUE, 0);
    long limit = RequestChecks.longParam(ctx, "limit", DEFAULT_READ_LIMIT, 1);
    if (limit > StreamReader.MAX_LIMIT) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "limit may be at most " + StreamReader.MAX_LIMIT + ", was " + limit);
    }
    PlacementView view = node.view();
    node.reader()
        .read(stream, from, (int) limit, forward)
        .thenApply(page -> Answer.json(200, g -> writePage(g, page, view)))
        .whenComplete(
            (answer, error) -> {
              int status = Responses.send(ctx, answer, error);
              sample.stop(readTimers.forStatus(status));
            });
  }

  private void writePage(JsonGenerator g, StreamReader.StreamPage page, PlacementView view)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("stream", page.stream());
    g.writeNumberField("position", page.lastPosition());
    g.writeArrayFieldStart("events");
    for (StreamReader.ReadEvent r : page.events()) {
      GlobalPosition global = EventJson.globalPosition(node, view, r.segmentSeq(), r.counter());
      EventJson.write(g, r.event(), global == null ? null : global.toString());
    }
    g.writeEndArray();
    g.writeEndObject();
  }
}
