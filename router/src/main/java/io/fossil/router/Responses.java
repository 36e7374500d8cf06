package io.fossil.router;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes answers and problems ({@code application/problem+json}, ADR 0015) to a response. Call on
 * the request's event loop; a response already ended or closed (the client left) is left alone.
 */
final class Responses {

  private Responses() {}

  /**
   * Sends {@code answer}, or the problem {@code error} stands for when it is not null (see {@link
   * Failures#problem}); returns the status sent.
   */
  static int send(RoutingContext ctx, Answer answer, Throwable error) {
    if (error != null) {
      return problem(ctx, Failures.problem(error, "a request"));
    }
    HttpServerResponse response = ctx.response();
    if (response.closed() || response.ended()) {
      return answer.status();
    }
    response.setStatusCode(answer.status());
    if (answer.contentType() != null) {
      response.putHeader("Content-Type", answer.contentType());
    }
    answer.headers().forEach(response::putHeader);
    end(ctx, answer.body());
    return answer.status();
  }

  /** Sends {@code p} with its status and {@code Retry-After}, if it has one; returns the status. */
  static int problem(RoutingContext ctx, Problem p) {
    int status = p.type().status();
    HttpServerResponse response = ctx.response();
    if (response.closed() || response.ended()) {
      return status;
    }
    response.setStatusCode(status).putHeader("Content-Type", Answer.PROBLEM_JSON);
    if (p.retryAfterSeconds() >= 0) {
      response.putHeader("Retry-After", Integer.toString(p.retryAfterSeconds()));
    }
    if (p.challenge() != null) {
      response.putHeader("WWW-Authenticate", p.challenge());
    }
    end(ctx, problemBody(p));
    return status;
  }

  /**
   * Ends the response with {@code body}; a HEAD request gets the body's length and no body (RFC
   * 9110, section 9.3.2). Vert.x leaves the body out of a HEAD response on HTTP/1.1 but sends it on
   * HTTP/2, which a client must treat as a protocol error.
   */
  private static void end(RoutingContext ctx, Buffer body) {
    if (ctx.request().method().equals(HttpMethod.HEAD)) {
      ctx.response().putHeader("Content-Length", Integer.toString(body.length())).end();
    } else {
      ctx.response().end(body);
    }
  }

  /** The problem's JSON: type, title, status, detail, then its extension members in order. */
  static Buffer problemBody(Problem p) {
    Map<String, Object> ext = new LinkedHashMap<>(p.extensions());
    return JsonOut.of(
        g -> {
          g.writeStartObject();
          g.writeStringField("type", p.type().uri());
          g.writeStringField("title", p.type().title());
          g.writeNumberField("status", p.type().status());
          g.writeStringField("detail", p.detail());
          for (Map.Entry<String, Object> e : ext.entrySet()) {
            g.writeFieldName(e.getKey());
            JsonOut.value(g, e.getValue());
          }
          g.writeEndObject();
        });
  }
}
