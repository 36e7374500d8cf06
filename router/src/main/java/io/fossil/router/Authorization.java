package io.fossil.router;

import io.fossil.reader.Selection;
import io.fossil.security.Action;
import io.fossil.security.Authorizer;
import io.fossil.security.Decision;
import io.fossil.security.Principal;
import io.fossil.security.ReadableStreams;
import io.fossil.security.StreamSelection;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a principal may do, asked of the {@link Authorizer} per route (ADR 26): {@link #guard} puts
 * a check in front of a route's handler, {@link #readable} tells a cursor read or live tail which
 * streams it may return. A denial is a 403 {@code forbidden} whose {@code permission} member names
 * what is missing ({@code append on stream orders-1}); it is raised before the route does anything.
 * Without security ({@link #NONE}) no check is installed and every stream is readable. Stateless
 * besides the authorizer; call on the request's event loop.
 */
final class Authorization {

  /** No security: nothing is checked. */
  static final Authorization NONE = new Authorization(null);

  private final Authorizer authorizer;

  Authorization(Authorizer authorizer) {
    this.authorizer = authorizer;
  }

  /**
   * Before {@code route}'s handler: the principal must hold {@code action} on the resource that
   * {@code resource} reads from the request (a stream or consumer name; it may throw the route's
   * own 400 for an invalid one; null for admin and metrics). Installs nothing without security.
   */
  void guard(Route route, Action action, Function<RoutingContext, String> resource) {
    if (authorizer == null) {
      return;
    }
    route.handler(
        ctx -> {
          Principal principal = Authentication.principal(ctx);
          String name = resource == null ? null : resource.apply(ctx);
          deny(principal, authorizer.check(principal, action, name));
          ctx.next();
        });
  }

  /**
   * The streams of {@code selection} the caller may read: null when it may read them all (no
   * filtering needed, and always without security), otherwise the test for each stream name.
   *
   * @throws Problem 403 when the selection lies wholly outside the caller's grants
   */
  Predicate<String> readable(RoutingContext ctx, Selection selection) {
    if (authorizer == null) {
      return null;
    }
    Principal principal = Authentication.principal(ctx);
    ReadableStreams readable = authorizer.readable(principal, streams(selection));
    deny(principal, readable.decision());
    return readable.coversAll() ? null : readable;
  }

  /**
   * The selection as the permission model names it. A category and a prefix together read the
   * category's streams that start with the prefix: the prefix names them when it runs past the
   * category, the category otherwise (a superset, so filtering stays exact: the reader applies the
   * prefix as well).
   */
  static StreamSelection streams(Selection selection) {
    String category = selection.category();
    String prefix = selection.prefix();
    if (category != null && prefix != null && prefix.startsWith(category + "-")) {
      return StreamSelection.prefix(prefix);
    }
    if (category != null) {
      return StreamSelection.category(category);
    }
    if (prefix != null) {
      return StreamSelection.prefix(prefix);
    }
    return StreamSelection.all();
  }

  private static void deny(Principal principal, Decision decision) {
    if (decision instanceof Decision.Denied denied) {
      throw new Problem(
              ProblemType.FORBIDDEN,
              principal + " lacks the permission '" + denied.permission() + "'")
          .with("permission", denied.permission());
    }
  }
}
