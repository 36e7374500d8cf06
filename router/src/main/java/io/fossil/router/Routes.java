package io.fossil.router;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Registers the API's routes and remembers which methods each path answers, so that a 405 can list
 * them in its {@code Allow} header, as HTTP requires (RFC 9110, section 15.5.6). Vert.x knows the
 * methods too, but only tells its own default 405 response, not an error handler.
 */
final class Routes {

  private record Registered(Pattern path, HttpMethod method) {}

  private final Router router;
  private final List<Registered> registered = new ArrayList<>();

  Routes(Router router) {
    this.router = router;
  }

  /** A route for {@code method} on every path that {@code regex} matches entirely. */
  Route regex(HttpMethod method, String regex) {
    registered.add(new Registered(Pattern.compile(regex), method));
    return router.routeWithRegex(method, regex);
  }

  /**
   * A route for {@code method} on {@code path} exactly (a trailing slash allowed, as Vert.x does).
   */
  Route exact(HttpMethod method, String path) {
    registered.add(new Registered(Pattern.compile(Pattern.quote(path) + "/?"), method));
    return router.route(method, path);
  }

  /** The methods some route answers on {@code path}, as an Allow header lists them; "" if none. */
  String allowed(String path) {
    return registered.stream()
        .filter(r -> r.path.matcher(path).matches())
        .map(r -> r.method.name())
        .distinct()
        .sorted()
        .collect(Collectors.joining(", "));
  }
}
