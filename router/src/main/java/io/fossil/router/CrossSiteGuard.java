package io.fossil.router;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses a state-changing request ({@code POST}, {@code PUT}, {@code DELETE}, {@code PATCH}) that
 * carries neither an {@code Authorization} header nor a JSON content type, with a 403 {@code
 * cross-site-request}: a page in a browser can send a form ({@code x-www-form-urlencoded}, {@code
 * multipart/form-data}, {@code text/plain}) to any address, with the browser's client certificate,
 * but cannot set either header without a CORS preflight, which Fossil does not grant unless
 * configured. A bodyless admin {@code POST} from a script therefore sends {@code Content-Type:
 * application/json} (or a token). With {@link HttpSecurity} only; stateless.
 */
final class CrossSiteGuard implements Handler<RoutingContext> {

  private static final Set<HttpMethod> STATE_CHANGING =
      Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH);

  @Override
  public void handle(RoutingContext ctx) {
    if (STATE_CHANGING.contains(ctx.request().method())
        && ctx.request().getHeader("Authorization") == null
        && !isJson(ctx.request().getHeader("Content-Type"))) {
      throw new Problem(
          ProblemType.CROSS_SITE_REQUEST,
          ctx.request().method()
              + " changes state: send it with 'Authorization: Bearer <token>' or 'Content-Type:"
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
