package io.fossil.router;

import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * An answer a resource sends: status, body, content type (null for none) and extra headers.
 * Immutable; built on any thread and sent by {@link Responses#send} on the request's event loop.
 */
record Answer(int status, Buffer body, String contentType, Map<String, String> headers) {

  static final String JSON = "application/json";
  static final String PROBLEM_JSON = "application/problem+json";

  /** A JSON answer with no extra headers. */
  static Answer json(int status, JsonOut.Body body) {
    return new Answer(status, JsonOut.of(body), JSON, Map.of());
  }
}
