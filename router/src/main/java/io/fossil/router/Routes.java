package io.fossil.router;

import io.fossil.security.Action;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Registers the API's routes and remembers, for each, its method and whether it takes a JSON body.
 * So a 405 can list the methods a path takes in its {@code Allow} header, as HTTP requires (RFC
 * 9110, section 15.5.6; Vert.x knows them too, but only tells its own default 405 response, not an
 * error handler), and a form body sent to a JSON route can be refused before it is read.
 */
final class Routes {

  private record Registered(Pattern path, HttpMethod method, boolean json) {}

  private final Router router;
  private final Authorization access;
  private final List<Registered> registered = new ArrayList<>();

  Routes(Router router, Authorization access) {
    this.router = router;
    this.access = access;
  }

  /**
   * Puts the permission check for {@code action} on the resource {@code resource} names (null: no
   * resource) in front of {@code route}'s handler; returns the route to add the handler to.
   */
  Route guarded(Route route, Action action, Function<RoutingContext, String> resource) {
    access.guard(route, action, resource);
    return route;
  }

  /** A route for {@code method} on every path that {@code regex} matches entirely. */
  Route regex(HttpMethod method, String regex) {
    return regex(method, regex, false);
  }

  /** As {@link #regex}, for a route whose request body is JSON. */
  Route jsonRegex(HttpMethod method, String regex) {
    return regex(method, regex, true);
  }

  private Route regex(HttpMethod method, String regex, boolean json) {
    return register(router.routeWithRegex(method, regex), Pattern.compile(regex), method, json);
  }

  /**
   * A route for {@code method} on {@code path} exactly (a trailing slash allowed, as Vert.x does).
   */
  Route exact(HttpMethod method, String path) {
    return register(
        router.route(method, path), Pattern.compile(Pattern.quote(path) + "/?"), method, false);
  }

  /**
   * Remembers the route; a GET route also answers HEAD (RFC 9110, section 9.3.2: the same status
   * and headers, no body, which Vert.x leaves out of a HEAD response by itself).
   */
  private Route register(Route route, Pattern path, HttpMethod method, boolean json) {
    registered.add(new Registered(path, method, json));
    if (method.equals(HttpMethod.GET)) {
      route.method(HttpMethod.HEAD);
      registered.add(new Registered(path, HttpMethod.HEAD, json));
    }
    return route;
  }

  /** Whether the route for {@code method} on {@code path} takes a JSON body. */
  boolean takesJson(HttpMethod method, String path) {
    return registered.stream()
        .anyMatch(r -> r.json && r.method.equals(method) && r.path.matcher(path).matches());
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
