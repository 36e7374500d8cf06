package io.fossil.router;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Refuses a {@code POST} that carries neither an {@code Authorization} header nor a JSON content
 * type, with a 403 {@code cross-site-request}: a page in a browser can send a form ({@code
 * x-www-form-urlencoded}, {@code multipart/form-data}, {@code text/plain}) to any address, with the
 * browser's client certificate, but cannot set either header without a CORS preflight, which Fossil
 * does not grant unless configured. Only {@code POST}: it is the one state-changing method a page
 * can send without a preflight ({@code PUT}, {@code DELETE} and {@code PATCH} always ask first, and
 * are refused). A bodyless admin {@code POST} from a script therefore sends {@code Content-Type:
 * application/json} (or a token). With and without {@link HttpSecurity}: an insecure node on a
 * developer's machine ({@code fossil dev}) is exactly what a page could reach. Stateless.
 */
final class CrossSiteGuard implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.request().method().equals(HttpMethod.POST)
        && ctx.request().getHeader("Authorization") == null
        && !isJson(ctx.request().getHeader("Content-Type"))) {
      throw new Problem(
          ProblemType.CROSS_SITE_REQUEST,
          "POST changes state: send it with 'Authorization: Bearer <token>' or 'Content-Type:"
              + " application/json' (a browser form can send neither)");
    }
    ctx.next();
  }

  private static boolean isJson(String type) {
    if (type == null) {
      return false;
    }
    String media = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return media.equals(Answer.JSON) || media.endsWith("+json");
  }
}
