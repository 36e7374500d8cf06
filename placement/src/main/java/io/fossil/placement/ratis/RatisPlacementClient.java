package io.fossil.placement.ratis;

import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementCodec;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PlacementClient} over a Ratis client. Ratis resends a command after a leader change with
 * the same call id, and the servers' retry cache applies it once. Thread-safe.
 *
 * <p>Every call ends: Ratis retries an attempt that failed or went unanswered for {@code
 * requestTimeout} until {@code callTimeout} has passed since the call began, then the call fails
 * (and a backstop fails it shortly after that in any case). Three properties of the Ratis async
 * client shape the rest (issue #8, a node left unready after a pause):
 *
 * <ul>
 *   <li>The async client sends commands in one ordered window: a command that is not answered holds
 *       back every later one, and once any command runs out of retries the window fails every
 *       command sent after it, forever. A heartbeat stuck behind a command sent to a leader that
 *       just died would cost its node the lease (ADR 30). So commands go one by one through the
 *       blocking client, each on its own with its own retries, on a small pool of threads; and a
 *       failed command still replaces the Ratis client with a fresh one that starts at the next
 *       voter.
 *   <li>Reads (views and long polls) go unordered, so a long poll never holds back a heartbeat, and
 *       a long poll waits on the server in slices shorter than {@code requestTimeout}, so a quiet
 *       placement is not mistaken for a lost answer.
 *   <li>The Ratis client blocks the calling thread once too many commands are outstanding; this
 *       client fails such a call at once instead.
 * </ul>
 */
public final class RatisPlacementClient implements PlacementClient {

  private static final Logger LOG = LoggerFactory.getLogger(RatisPlacementClient.class);

  /** Calls outstanding at once; one more fails at once instead of blocking its caller. */
  static final int MAX_OUTSTANDING = 512;

  private static final TimeDuration RETRY_SLEEP = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);

  /** Threads that wait for commands (each blocks while its command is retried). */
  static final int COMMAND_THREADS = 16;

  /** Closes replaced Ratis clients away from the caller's thread (closing may wait a little). */
  private static final Executor CLOSER =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fossil-placement-client-closer");
            t.setDaemon(true);
            return t;
          });

  private final RaftGroup group;
  private final ControlPlaneSecurity security;
  private final Duration requestTimeout;
  private final Duration callTimeout;
  private final AtomicReference<RaftClient> client = new AtomicReference<>();
  private final ExecutorService commands =
      Executors.newFixedThreadPool(
          COMMAND_THREADS,
          r -> {
            Thread t = new Thread(r, "fossil-placement-command");
            t.setDaemon(true);
            return t;
          });
  private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
  private volatile boolean closed;
  // The voter the current Ratis client sent its first attempt to (guarded by this).
  private RaftPeerId firstTry;

  private RatisPlacementClient(
      RaftGroup group,
      Duration requestTimeout,
      Duration callTimeout,
      ControlPlaneSecurity security) {
    this.group = group;
    this.security = security;
    this.requestTimeout = requestTimeout;
    this.callTimeout = callTimeout;
    firstTry = group.getPeers().iterator().next().getId();
    client.set(newRaftClient(firstTry));
  }

  /**
   * Connects to the group of the given voters (id → host:port); a call retries for three request
   * timeouts and ends at most one request timeout (and 0.4 s) after that.
   */
  public static RatisPlacementClient connect(
      String groupName, Map<String, String> peers, Duration requestTimeout) {
    return connect(groupName, peers, requestTimeout, requestTimeout.multipliedBy(3));
  }

  /**
   * Connects to the group of the given voters (id → host:port).
   *
   * @param requestTimeout how long one attempt waits for its answer
   * @param callTimeout how long a call keeps retrying before it fails; at least {@code
   *     requestTimeout}
   */
  public static RatisPlacementClient connect(
      String groupName, Map<String, String> peers, Duration requestTimeout, Duration callTimeout) {
    return connect(groupName, peers, requestTimeout, callTimeout, ControlPlaneSecurity.insecure());
  }

  /**
   * Connects to the group of the given voters (id → host:port), over mutual TLS if {@code security}
   * says so (then the voters know this client by its certificate).
   *
   * @param requestTimeout how long one attempt waits for its answer
   * @param callTimeout how long a call keeps retrying before it fails; at least {@code
   *     requestTimeout}
   */
  public static RatisPlacementClient connect(
      String groupName,
      Map<String, String> peers,
      Duration requestTimeout,
      Duration callTimeout,
      ControlPlaneSecurity security) {
    Objects.requireNonNull(security, "security");
    if (requestTimeout.toMillis() < 10 || callTimeout.compareTo(requestTimeout) < 0) {
      throw new IllegalArgumentException(
          "need 10 ms <= requestTimeout <= callTimeout, got "
              + requestTimeout
              + " and "
              + callTimeout);
    }
    return new RatisPlacementClient(
        RatisGroups.group(groupName, peers), requestTimeout, callTimeout, security);
  }

  /**
   * A Ratis client that sends its first attempt to {@code firstTry}. Always named: left to itself,
   * Ratis starts at the last leader any client in this JVM saw for the group, which may be the very
   * voter that just hung.
   */
  private RaftClient newRaftClient(RaftPeerId firstTry) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(requestTimeout));
    // Ours is the limit that counts (it fails instead of blocking); Ratis's must never be reached.
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(properties, 2 * MAX_OUTSTANDING);
    // Its watch request would be the window's first entry: it could fail the window by itself.
    RaftClientConfigKeys.Async.Experimental.setSendDummyRequest(properties, false);
    RequestTypeDependentRetryPolicy.Builder retry = RequestTypeDependentRetryPolicy.newBuilder();
    for (TypeCase type : TypeCase.values()) {
      if (type != TypeCase.TYPE_NOT_SET) {
        retry.setRetryPolicy(type, RetryPolicies.retryForeverWithSleep(RETRY_SLEEP));
        retry.setTimeout(type, millis(callTimeout));
      }
    }
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group)
        .setParameters(security.clientParameters())
        .setLeaderId(firstTry)
        .setRetryPolicy(retry.build())
        .build();
  }

  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    Message message =
        Message.valueOf(UnsafeByteOperations.unsafeWrap(PlacementCodec.encode(command)));
    return call(
            c -> CompletableFuture.supplyAsync(() -> sendBlocking(c, message), commands),
            true,
            () -> command.getClass().getSimpleName())
        .thenApply(reply -> PlacementCodec.decodeReply(content(reply)));
  }

  private static RaftClientReply sendBlocking(RaftClient c, Message message) {
    try {
      return c.io().send(message);
    } catch (IOException e) {
      throw new CompletionException(e);
    }
  }

  @Override
  public CompletableFuture<PlacementView> view() {
    return read(ByteBuffer.allocate(1).put(PlacementStateMachine.QUERY_VIEW));
  }

  /**
   * The server holds each poll for at most half a request timeout; until {@code maxWait} has
   * passed, an unchanged answer is followed by another poll.
   */
  @Override
  public CompletableFuture<PlacementView> awaitChange(long afterVersion, Duration maxWait) {
    return pollUntil(afterVersion, System.nanoTime() + maxWait.toNanos());
  }

  private CompletableFuture<PlacementView> pollUntil(long afterVersion, long deadlineNanos) {
    long left = Math.max(0, deadlineNanos - System.nanoTime());
    long slice = Math.min(TimeUnit.NANOSECONDS.toMillis(left), requestTimeout.toMillis() / 2);
    return read(ByteBuffer.allocate(17)
            .put(PlacementStateMachine.QUERY_AWAIT)
            .putLong(afterVersion)
            .putLong(slice))
        .thenCompose(
            v ->
                v.version() > afterVersion || deadlineNanos - System.nanoTime() <= 0
                    ? CompletableFuture.completedFuture(v)
                    : pollUntil(afterVersion, deadlineNanos));
  }

  private CompletableFuture<PlacementView> read(ByteBuffer query) {
    query.flip();
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(query));
    return call(c -> c.async().sendReadOnlyUnordered(message), false, () -> "read")
        .thenApply(reply -> PlacementCodec.decodeView(content(reply)));
  }

  /**
   * Sends through the current Ratis client, bounded in time; a command that fails replaces that
   * client (see the class comment).
   */
  private CompletableFuture<RaftClientReply> call(
      Function<RaftClient, CompletableFuture<RaftClientReply>> send,
      boolean ordered,
      Supplier<String> what) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("placement client closed"));
    }
    if (!outstanding.tryAcquire()) {
      return CompletableFuture.failedFuture(
          new RejectedExecutionException(
              MAX_OUTSTANDING + " placement calls are outstanding; not sending another"));
    }
    RaftClient used = client.get();
    long started = System.nanoTime();
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = send.apply(used);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    // The backstop. Ratis looks at the call timeout only when an attempt fails, and a command
    // waiting in the window behind another makes no attempt of its own.
    return sent.toCompletableFuture()
        .orTimeout(
            callTimeout.plus(requestTimeout).toMillis()
                + 2 * RETRY_SLEEP.toLong(TimeUnit.MILLISECONDS),
            TimeUnit.MILLISECONDS)
        .whenComplete(
            (reply, error) -> {
              outstanding.release();
              if (error != null && ordered) {
                replace(used, what.get(), started, error);
              }
            });
  }

  /** Swaps {@code failed} for a fresh Ratis client, unless another call already did. */
  private void replace(RaftClient failed, String what, long startedNanos, Throwable error) {
    synchronized (this) {
      if (closed || client.get() != failed) {
        return;
      }
      // The failed client's last guess at the leader may be a voter that is cut off: its calls
      // hang rather than fail, so a fresh client that tried it again would hang again while the
      // rest of the group has long elected another leader. Start at the next voter instead; a
      // follower answers with the leader's id.
      // Ratis may have moved the failed client on to another voter already; the one after that
      // must not wrap around to the voter the failed client started at.
      RaftPeerId next = nextPeer(failed.getLeaderId());
      if (next.equals(firstTry)) {
        next = nextPeer(next);
      }
      firstTry = next;
      client.set(newRaftClient(next));
    }
    LOG.warn(
        "placement call {} failed after {} ms ({}); the next calls go through a new Ratis client",
        what,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos),
        unwrap(error).toString());
    CLOSER.execute(() -> closeQuietly(failed));
  }

  /** The voter after {@code id} in the group's order, wrapping around. */
  RaftPeerId nextPeer(RaftPeerId id) {
    List<RaftPeer> peers = List.copyOf(group.getPeers());
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).getId().equals(id)) {
        return peers.get((i + 1) % peers.size()).getId();
      }
    }
    return peers.get(0).getId();
  }

  /** The voter the current Ratis client sends its next attempt to. */
  RaftPeerId currentTarget() {
    return client.get().getLeaderId();
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static TimeDuration millis(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static byte[] content(RaftClientReply reply) {
    if (!reply.isSuccess()) {
      throw new IllegalStateException("placement request failed", reply.getException());
    }
    return reply.getMessage().getContent().toByteArray();
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException e) {
      // Closing a client releases connections only; nothing to recover.
    }
  }

  @Override
  public void close() {
    RaftClient last;
    synchronized (this) {
      closed = true;
      last = client.get();
    }
    closeQuietly(last);
    commands.shutdownNow();
  }
}
