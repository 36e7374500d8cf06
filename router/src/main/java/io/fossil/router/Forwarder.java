package io.fossil.router;

import io.fossil.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends an append on to the node that owns its stream and relays that node's answer (the node
 * option {@code --forward}, for clients that cannot reach every node). Redirects are followed; each
 * carries its hop count, which the receiving node bounds.
 *
 * <p>A failure before the request went out (no connection) is {@code no-owner}: the append
 * certainly did not commit and may be retried unchanged. A failure after (the connection closed or
 * reset before the answer) is {@code outcome-unknown}: the owner may have committed it, and only a
 * retry with the same event ids tells.
 */
final class Forwarder {

  /**
   * The principal a forwarded append is made for. The owner believes it only from a caller whose
   * client certificate names a Fossil node ({@link Authentication}); from anyone else it is
   * refused.
   */
  static final String ON_BEHALF_OF = "Fossil-On-Behalf-Of";

  private static final List<String> RELAYED_HEADERS = List.of("Location", "Retry-After");

  private final HttpClientAgent client;
  private final HttpClientOptions clientOptions;

  /**
   * @param tls this node's TLS files: with them, the forwarder dials the owner over TLS, checks
   *     that its certificate chains to the cluster's CA ({@link HttpSecurity.Tls#clientCa()}) and
   *     names the host dialled, and presents this node's own certificate (mutual TLS); null: plain
   *     HTTP
   */
  Forwarder(Vertx vertx, HttpSecurity.Tls tls) {
    this.clientOptions = new HttpClientOptions().setKeepAlive(true).setConnectTimeout(2000);
    if (tls != null) {
      clientOptions
          .setSsl(true)
          .setVerifyHost(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(tls.certificateChain().toString())
                  .setKeyPath(tls.privateKey().toString()));
      if (tls.clientCa() != null) {
        clientOptions.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCa().toString()));
      }
    }
    this.client = vertx.createHttpClient(clientOptions, new PoolOptions().setHttp1MaxSize(64));
  }

  /** Re-reads the TLS files (after {@link ServerTls} saw them change); new connections use them. */
  Future<Boolean> reloadTls() {
    return clientOptions.isSsl()
        ? client.updateSSLOptions(clientOptions.getSslOptions().copy(), true)
        : Future.succeededFuture(false);
  }

  /**
   * Sends the append to {@code location} and relays the answer.
   *
   * @param caller whom the append is for (null without security): the owner authorizes it, not this
   *     node
   */
  CompletableFuture<Answer> forward(String location, Buffer body, Principal caller) {
    AtomicBoolean sent = new AtomicBoolean();
    return client
        .request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(location))
        .compose(
            req -> {
              req.putHeader("Content-Type", Answer.JSON);
              if (caller != null) {
                req.putHeader(ON_BEHALF_OF, caller.toString());
              }
              sent.set(true);
              return req.send(body == null ? Buffer.buffer() : body);
            })
        .compose(resp -> resp.body().map(b -> answer(resp, b)))
        .toCompletionStage()
        .toCompletableFuture()
        .handle(
            (a, e) -> {
              if (e != null) {
                throw failure(location, sent.get(), e);
              }
              return a;
            })
        .thenCompose(
            a ->
                a.status() == 307 && a.headers().containsKey("Location")
                    ? forward(a.headers().get("Location"), body, caller)
                    : CompletableFuture.completedFuture(a));
  }

  Future<Void> close() {
    return client.close();
  }

  private static Answer answer(HttpClientResponse resp, Buffer body) {
    Map<String, String> headers = new HashMap<>();
    for (String h : RELAYED_HEADERS) {
      if (resp.getHeader(h) != null) {
        headers.put(h, resp.getHeader(h));
      }
    }
    return new Answer(resp.statusCode(), body, resp.getHeader("Content-Type"), headers);
  }

  private static Problem failure(String location, boolean sent, Throwable e) {
    Throwable cause = Failures.unwrap(e);
    if (!sent) {
      return new Problem(
              ProblemType.NO_OWNER, "cannot reach the stream's owner at " + location + ": " + cause)
          .retryAfter(1);
    }
    return new Problem(
            ProblemType.OUTCOME_UNKNOWN,
            "the connection to the stream's owner at "
                + location
                + " failed before it answered ("
                + cause
                + "); retry with the same event ids to learn the append's outcome")
        .retryAfter(1);
  }
}
