package io.fossil.router;

import io.fossil.security.Reload;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What guards one {@link HttpApi} from its callers, built from its {@link HttpSecurity}: TLS on the
 * listener, the handlers every request passes before its route (CORS, the connection cap, the
 * cross-site check, authentication, the request rate), the permissions and the caps the routes
 * consult, and the timers that reload certificates and permissions. Without security only the
 * cross-site check (so a web page cannot post to a local {@code fossil dev}) and the cap on
 * consumer waits remain; every other request is allowed. Built on any thread; {@link #install},
 * {@link #started} and {@link #stop} run on the thread that starts and stops the API.
 */
final class HttpGuards {

  /** How often the permissions file is checked for changes (with security). */
  static final Duration PERMISSIONS_CHECK = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(HttpGuards.class);

  private final HttpSecurity security;
  private final Authorization access;
  private final Authentication authentication;
  private final RequestLimits limits;
  private final ServerTls tls;
  private long permissionsTimer = -1;

  /** Guards for an API with these options ({@link HttpApi.Options#security()} null: insecure). */
  HttpGuards(HttpApi.Options options) {
    this.security = options.security();
    this.access = security == null ? Authorization.NONE : new Authorization(security.authorizer());
    this.limits =
        new RequestLimits(
            security == null ? HttpSecurity.Limits.NONE : security.limits(),
            options.maxConsumerWaits());
    this.tls = security == null || security.tls() == null ? null : new ServerTls(security.tls());
    this.authentication =
        security == null
            ? null
            : new Authentication(
                security.tokens(),
                security.tls() != null && security.tls().clientCa() != null,
                limits);
  }

  /** What each principal may do; {@link Authorization#NONE} without security. */
  Authorization access() {
    return access;
  }

  /** The caps routes consult (live tails, consumer waits). */
  RequestLimits limits() {
    return limits;
  }

  /** Adds TLS to the listener's options (with TLS). */
  void configure(HttpServerOptions serverOptions) {
    if (tls != null) {
      tls.configure(serverOptions);
    }
  }

  /** Counts the server's connections against the connection cap (with security). */
  void watchConnections(HttpServer server) {
    if (security != null) {
      server.connectionHandler(limits::connected);
    }
  }

  /**
   * The checks every request passes, in order, before its body is read: CORS (only with configured
   * origins), the connection cap, the cross-site check, authentication, the request rate. Without
   * security only the cross-site check.
   */
  void install(Router router) {
    if (security == null) {
      router.route().handler(new CrossSiteGuard());
      return;
    }
    if (!security.corsOrigins().isEmpty()) {
      router
          .route()
          .handler(
              CorsHandler.create()
                  .addOrigins(List.copyOf(security.corsOrigins()))
                  .allowedHeaders(Set.of("Authorization", "Content-Type", "Last-Event-ID"))
                  .allowedMethods(
                      Set.of(
                          HttpMethod.GET,
                          HttpMethod.HEAD,
                          HttpMethod.POST,
                          HttpMethod.PUT,
                          HttpMethod.DELETE))
                  .exposedHeaders(Set.of("Location", "Retry-After", "WWW-Authenticate")));
    }
    router.route().handler(limits.connectionCap());
    router.route().handler(new CrossSiteGuard());
    router.route().handler(authentication);
    router.route().handler(limits);
  }

  /**
   * Starts watching the certificate files and the permissions file, once the server listens.
   *
   * @param client re-reads the same certificate files for the forwarder's client side; null: none
   */
  void started(
      Vertx vertx,
      HttpServer server,
      HttpServerOptions serverOptions,
      Supplier<Future<Boolean>> client) {
    if (tls != null) {
      tls.watch(vertx, server, serverOptions, client);
    }
    if (security != null) {
      permissionsTimer = vertx.setPeriodic(PERMISSIONS_CHECK.toMillis(), id -> reloadPermissions());
    }
  }

  /** Stops the watches. */
  void stop(Vertx vertx) {
    if (tls != null) {
      tls.stop(vertx);
    }
    if (permissionsTimer >= 0) {
      vertx.cancelTimer(permissionsTimer);
    }
  }

  /** Applies a changed permissions file; one that does not parse is logged, the old grants stay. */
  private void reloadPermissions() {
    if (security.authorizer().reloadIfChanged() instanceof Reload.Failed failed) {
      LOG.warn("permissions not reloaded: {}", failed.reason());
    }
  }
}
