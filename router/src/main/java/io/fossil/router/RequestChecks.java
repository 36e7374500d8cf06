package io.fossil.router;

import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks and parses what a request carries besides its body: query parameters and the content type.
 * Each check throws a {@link Problem} (400 or 415) that names what is wrong; the route's failure
 * handler sends it. Stateless; call on the request's event loop.
 */
final class RequestChecks {

  private RequestChecks() {}

  /** Refuses a body that is not JSON ({@code application/json} or any {@code +json} type). */
  static void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!media.equals(Answer.JSON) && !media.endsWith("+json")) {
      throw new Problem(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "send the body as JSON with 'Content-Type: application/json'"
              + (type == null ? " (the request had no Content-Type)" : " (was '" + type + "')"));
    }
  }

  /** Refuses a query parameter not in {@code known}, and a query string that does not decode. */
  static void allowParams(RoutingContext ctx, Set<String> known) {
    Set<String> names;
    try {
      names = ctx.queryParams().names();
    } catch (RuntimeException e) {
      // Vert.x could not decode the query string (it answers 400 for that itself, but blames no
      // parameter); later calls would fail the same way, so say what is wrong here.
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          "the query string could not be decoded; check that every '%' in it is followed by two"
              + " hex digits (write a literal '%' as %25)");
    }
    for (String name : names) {
      if (!known.contains(name)) {
        throw new Problem(
            ProblemType.UNKNOWN_PARAMETER,
            "unknown query parameter '"
                + name
                + "'"
                + (known.isEmpty()
                    ? ""
                    : "; this route takes " + known.stream().sorted().toList()));
      }
    }
  }

  /** A query parameter given at most once; null when absent. */
  static String single(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParams().getAll(name);
    if (values.size() > 1) {
      throw new Problem(ProblemType.INVALID_PARAMETER, name + " is given more than once");
    }
    return values.isEmpty() ? null : values.get(0);
  }

  /** A query parameter that is an integer {@code >= min}, given at most once; absent if missing. */
  static long longParam(RoutingContext ctx, String name, long absent, long min) {
    String value = single(ctx, name);
    if (value == null) {
      return absent;
    }
    try {
      long v = Long.parseLong(value);
      if (v < min) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new Problem(
          ProblemType.INVALID_PARAMETER,
          name + " must be an integer >= " + min + ", was '" + value + "'");
    }
  }
}
