package io.fossil.kv.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.resolver.IPNameResolver;
import io.fossil.kv.KeyRange;
import io.fossil.kv.KvClosedException;
import io.fossil.kv.KvException;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.ScanPage;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * A {@link KvStore} on an etcd v3 cluster ({@code etcd://host:2379,...}, see ADR 0005 and
 * docs/etcd.md): every batch is one etcd transaction, every read a linearizable range read, all
 * under one key prefix. Thread-safe; futures complete on jetcd/gRPC threads; each handle owns its
 * own connection, so closing one handle never disturbs another.
 *
 * <p>Every call carries a deadline ({@code callTimeout}) and nothing is retried behind the caller's
 * back: jetcd would otherwise re-send failed calls (its Failsafe policy, {@code retryMaxAttempts})
 * and, with gRPC's wait-for-ready and no deadline, wait forever for an unreachable cluster. A write
 * whose request may have reached etcd and that then times out or loses its connection completes
 * with {@link WriteOutcome.Unknown}, because etcd may still apply it; the future fails with {@link
 * KvException} only when the batch was certainly not applied (the handle was closed, or etcd
 * refused the request before applying it). Reads that fail complete with {@link KvException}.
 */
public final class EtcdKvStore implements KvStore {

  /** How long past the gRPC deadline a call may take before this handle gives up on it. */
  private static final long GUARD_MILLIS = 1_000;

  private static final WriteOutcome NO_REPLY =
      new WriteOutcome.Unknown("no reply from the etcd client within the call deadline", null);

  private final EtcdConfig config;
  private final KvLimits limits;
  private final Namespace namespace;
  private final Client client;
  private final KV kv;
  private final long guardMillis;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean clientClosed = new AtomicBoolean();

  EtcdKvStore(EtcdConfig config) {
    this.config = config;
    this.limits = config.limits();
    this.namespace = new Namespace(config.namespaceBytes());
    this.guardMillis = config.callTimeout().toMillis() + GUARD_MILLIS;
    this.client = client(config);
    try {
      this.kv = client.getKVClient();
    } catch (RuntimeException e) {
      client.close();
      throw new KvException("cannot set up the etcd client for " + config, e);
    }
  }

  /**
   * Opens a handle on the store named by an {@code etcd://} URI. Does no I/O: an unreachable
   * cluster shows up as failing operations, not here.
   *
   * @throws IllegalArgumentException if the URI is malformed or names unreadable TLS files
   * @throws KvException if the client cannot be set up (for example unusable TLS material)
   */
  public static EtcdKvStore open(String uri) {
    return new EtcdKvStore(EtcdUri.parse(uri));
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(byte[] key) {
    Objects.requireNonNull(key, "key");
    ByteSequence etcdKey = namespace.key(key);
    return read(
        () -> kv.get(etcdKey),
        r -> r.getKvs().isEmpty() ? Optional.empty() : Optional.of(value(r.getKvs().get(0))));
  }

  @Override
  public CompletableFuture<ScanPage> scan(KeyRange range, int limit, boolean reverse) {
    Objects.requireNonNull(range, "range");
    if (limit < 1) {
      throw new IllegalArgumentException("scan limit must be at least 1, not " + limit);
    }
    if (range.isEmpty()) {
      return closed.get()
          ? CompletableFuture.failedFuture(new KvClosedException())
          : CompletableFuture.completedFuture(ScanPage.of(range, List.of(), reverse, false));
    }
    // Ascending key order is etcd's natural order: leaving the sort at NONE lets the server stop
    // after `limit` keys. A descending sort makes it read the whole range before it truncates.
    GetOption option =
        GetOption.builder()
            .withRange(namespace.end(range))
            .withLimit(limit)
            .withSortField(GetOption.SortTarget.KEY)
            .withSortOrder(reverse ? GetOption.SortOrder.DESCEND : GetOption.SortOrder.NONE)
            .build();
    ByteSequence start = namespace.key(range.start());
    return read(() -> kv.get(start, option), r -> page(range, reverse, r));
  }

  @Override
  public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
    limits.check(batch);
    if (!enter()) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    if (batch.isEmpty()) {
      exit();
      return CompletableFuture.completedFuture(WriteOutcome.COMMITTED);
    }
    TxnPlan plan;
    CompletableFuture<TxnResponse> sent;
    try {
      plan = TxnPlan.of(batch, namespace);
      sent = send(() -> plan.applyTo(kv.txn()).commit());
    } catch (RuntimeException e) {
      // Nothing left this process: building the request or handing it to jetcd failed.
      exit();
      return CompletableFuture.failedFuture(
          new KvException("could not hand the batch to the etcd client", e));
    }
    CompletableFuture<WriteOutcome> out = new CompletableFuture<>();
    sent.whenComplete(
        (response, error) -> {
          exit();
          if (error == null) {
            try {
              out.complete(plan.outcome(response));
            } catch (KvException e) {
              out.completeExceptionally(e);
            } catch (RuntimeException e) {
              // Only a refused transaction's reply is interpreted, so nothing was applied.
              out.completeExceptionally(
                  new KvException("unexpected reply from etcd to a refused batch", e));
            }
          } else if (EtcdFailures.certainlyNotApplied(EtcdFailures.status(error))) {
            out.completeExceptionally(
                new KvException(
                    "etcd refused the batch: " + EtcdFailures.describe(error),
                    EtcdFailures.unwrap(error)));
          } else {
            out.complete(EtcdFailures.unknown(error));
          }
        });
    // Backstop in case jetcd never completes its future: the gRPC deadline should come first.
    out.completeOnTimeout(NO_REPLY, guardMillis, TimeUnit.MILLISECONDS);
    return out;
  }

  @Override
  public KvLimits limits() {
    return limits;
  }

  /**
   * Closes this handle. Calls already under way keep the connection until they complete (each has a
   * deadline); the connection closes after the last one, or after a deadline's worth of time at
   * most.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (inFlight.get() == 0) {
      closeClient();
    } else {
      CompletableFuture.delayedExecutor(2 * guardMillis, TimeUnit.MILLISECONDS)
          .execute(this::closeClient);
    }
  }

  @Override
  public String toString() {
    return "EtcdKvStore[" + config + "]";
  }

  // ---------------------------------------------------------------- internals

  private <R, T> CompletableFuture<T> read(
      Supplier<CompletableFuture<R>> call, Function<R, T> convert) {
    if (!enter()) {
      return CompletableFuture.failedFuture(new KvClosedException());
    }
    CompletableFuture<R> sent;
    try {
      sent = send(call);
    } catch (RuntimeException e) {
      exit();
      return CompletableFuture.failedFuture(
          new KvException("could not hand the read to the etcd client", e));
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    sent.whenComplete(
        (response, error) -> {
          exit();
          if (error != null) {
            out.completeExceptionally(
                new KvException(
                    "etcd read failed: " + EtcdFailures.describe(error),
                    EtcdFailures.unwrap(error)));
            return;
          }
          try {
            out.complete(convert.apply(response));
          } catch (RuntimeException e) {
            out.completeExceptionally(new KvException("unexpected reply from etcd", e));
          }
        });
    // Backstop in case jetcd never completes its future: the gRPC deadline should come first.
    CompletableFuture<Void> backstop =
        new CompletableFuture<Void>().orTimeout(guardMillis, TimeUnit.MILLISECONDS);
    backstop.whenComplete(
        (v, e) -> {
          if (e != null) {
            out.completeExceptionally(
                new KvException("no reply from etcd within " + config.callTimeout()));
          }
        });
    out.whenComplete((v, e) -> backstop.complete(null));
    return out;
  }

  /**
   * Sends one request; sends it once more only if etcd refused it for a stale auth token, which
   * etcd checks before applying anything (so the first attempt certainly did nothing) and after
   * which jetcd has fetched a fresh token. This is the only re-send, and it is explicit.
   */
  private <R> CompletableFuture<R> send(Supplier<CompletableFuture<R>> call) {
    return call.get()
        .exceptionallyCompose(
            e ->
                EtcdFailures.isStaleAuth(e) && !clientClosed.get()
                    ? call.get()
                    : CompletableFuture.failedFuture(e));
  }

  private ScanPage page(KeyRange range, boolean reverse, GetResponse response) {
    List<io.fossil.kv.KeyValue> entries = new ArrayList<>(response.getKvs().size());
    for (KeyValue kv : response.getKvs()) {
      entries.add(new io.fossil.kv.KeyValue(namespace.strip(kv.getKey()), value(kv)));
    }
    return ScanPage.of(range, entries, reverse, response.isMore());
  }

  private static byte[] value(KeyValue kv) {
    return kv.getValue().getBytes();
  }

  /** Counts an operation in; false (and nothing counted) once the handle is closed. */
  private boolean enter() {
    inFlight.incrementAndGet();
    if (closed.get()) {
      exit();
      return false;
    }
    return true;
  }

  private void exit() {
    if (inFlight.decrementAndGet() == 0 && closed.get()) {
      // Not on this thread: it may be one of the jetcd threads that closing interrupts.
      CompletableFuture.runAsync(this::closeClient);
    }
  }

  private void closeClient() {
    if (clientClosed.compareAndSet(false, true)) {
      client.close();
    }
  }

  /**
   * The jetcd client, configured so that it never retries on its own and never waits without a
   * deadline: {@code retryMaxAttempts(0)} turns off jetcd's Failsafe retry policy (which re-sends
   * reads on UNAVAILABLE and any call on an auth-token error); the {@link DeadlineInterceptor}
   * bounds every gRPC call, which jetcd's default wait-for-ready would otherwise let wait forever
   * for a connection. Wait-for-ready itself stays on, so a call rides out a reconnect within its
   * deadline instead of failing at once. gRPC's own transparent retry only re-sends requests that
   * never reached the server, which is safe.
   */
  private static Client client(EtcdConfig config) {
    String target =
        config.endpoints().stream()
            .map(EtcdConfig.Endpoint::authority)
            .collect(Collectors.joining(",", IPNameResolver.SCHEME + ":///", ""));
    ClientBuilder builder =
        Client.builder()
            .target(target)
            .retryMaxAttempts(0)
            .waitForReady(true)
            .connectTimeout(config.callTimeout())
            .interceptor(new DeadlineInterceptor(config.callTimeout()))
            // A scan page is as large as the caller asks; the page limit is the memory bound.
            .maxInboundMessageSize(Integer.MAX_VALUE);
    if (config.user() != null) {
      builder
          .user(ByteSequence.from(config.user(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(config.password(), StandardCharsets.UTF_8));
    }
    if (config.tls()) {
      readable("caFile", config.caFile());
      readable("certFile", config.certFile());
      readable("keyFile", config.keyFile());
      try {
        builder.sslContext(
            ssl -> {
              if (config.caFile() != null) {
                ssl.trustManager(config.caFile().toFile());
              }
              if (config.certFile() != null) {
                ssl.keyManager(config.certFile().toFile(), config.keyFile().toFile());
              }
            });
      } catch (SSLException | RuntimeException e) {
        throw new KvException("cannot set up TLS for etcd from " + config, e);
      }
    }
    return builder.build();
  }

  private static void readable(String option, Path file) {
    if (file != null && !Files.isReadable(file)) {
      throw new IllegalArgumentException(
          "etcd option "
              + option
              + "="
              + file
              + " names a file that does not exist or is unreadable");
    }
  }
}
