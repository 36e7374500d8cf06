package io.fossil.router;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of {@link HttpSecurity.Tls}: HTTPS from the PEM files with HTTP/2 offered by
 * ALPN, client certificates requested when a client CA is given, and a Vert.x timer that hashes the
 * files every {@code reloadInterval} and, when they changed, has the server re-read them ({@code
 * updateSSLOptions} with force: the options name the same paths). New handshakes get the new
 * certificate; open connections keep theirs. A change that does not load (a half-written rotation)
 * is logged and the previous certificate stays; it is tried again when the files change again.
 * Timer callbacks run on one event loop.
 */
final class ServerTls {

  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  private final HttpSecurity.Tls tls;
  private final List<Path> files;
  private byte[] digest;
  private long timer = -1;

  ServerTls(HttpSecurity.Tls tls) {
    this.tls = tls;
    this.files = new ArrayList<>(List.of(tls.certificateChain(), tls.privateKey()));
    if (tls.clientCa() != null) {
      files.add(tls.clientCa());
    }
  }

  /** Turns TLS on in {@code options}. */
  HttpServerOptions configure(HttpServerOptions options) {
    if (OpenSSLEngineOptions.isAvailable()) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    options
        .setSsl(true)
        .setUseAlpn(true)
        .setKeyCertOptions(
            new PemKeyCertOptions()
                .setCertPath(tls.certificateChain().toString())
                .setKeyPath(tls.privateKey().toString()));
    if (tls.clientCa() != null) {
      options
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCa().toString()))
          .setClientAuth(ClientAuth.REQUEST);
    }
    digest = digest();
    return options;
  }

  /**
   * Starts watching the files for {@code server}, bound with {@code options}.
   *
   * @param client also told to re-read the files when they change (the forwarder's client side of
   *     the same certificate); null: none
   */
  void watch(
      Vertx vertx, HttpServer server, HttpServerOptions options, Supplier<Future<Boolean>> client) {
    timer =
        vertx.setPeriodic(
            tls.reloadInterval().toMillis(), id -> reloadIfChanged(server, options, client));
  }

  private void reloadIfChanged(
      HttpServer server, HttpServerOptions options, Supplier<Future<Boolean>> client) {
    byte[] now = digest();
    if (now == null || Arrays.equals(now, digest)) {
      return;
    }
    digest = now;
    if (client != null) {
      client
          .get()
          .onFailure(
              e ->
                  LOG.warn(
                      "TLS certificate files changed but the forwarder cannot load them ({})",
                      e.toString()));
    }
    server
        .updateSSLOptions(options.getSslOptions().copy(), true)
        .onSuccess(applied -> LOG.info("TLS certificate files changed; new handshakes use them"))
        .onFailure(
            e ->
                LOG.warn(
                    "TLS certificate files changed but do not load ({}); the previous certificate"
                        + " stays",
                    e.toString()));
  }

  /** SHA-256 over the files' content, or null if one cannot be read now (mid-rotation). */
  private byte[] digest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        sha.update(Files.readAllBytes(f));
        sha.update((byte) 0);
      }
      return sha.digest();
    } catch (IOException e) {
      LOG.warn("cannot read the TLS files: {}", e.toString());
      return null;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
