package io.fossil.placement.ratis;

import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementCodec;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * {@link PlacementClient} over a Ratis client. Ratis resends a command after a leader change with
 * the same call id, and the servers' retry cache applies it once. Thread-safe.
 */
public final class RatisPlacementClient implements PlacementClient {

  private final RaftClient client;

  private RatisPlacementClient(RaftClient client) {
    this.client = client;
  }

  /** Connects to the group of the given voters (id → host:port). */
  public static RatisPlacementClient connect(
      String groupName, Map<String, String> peers, Duration requestTimeout) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(requestTimeout.toMillis(), TimeUnit.MILLISECONDS));
    RaftClient client =
        RaftClient.newBuilder()
            .setProperties(properties)
            .setRaftGroup(RatisGroups.group(groupName, peers))
            .setRetryPolicy(
                RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                    50, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
            .build();
    return new RatisPlacementClient(client);
  }

  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    return client
        .async()
        .send(Message.valueOf(UnsafeByteOperations.unsafeWrap(PlacementCodec.encode(command))))
        .thenApply(reply -> PlacementCodec.decodeReply(content(reply)));
  }

  @Override
  public CompletableFuture<PlacementView> view() {
    return read(ByteBuffer.allocate(1).put(PlacementStateMachine.QUERY_VIEW));
  }

  @Override
  public CompletableFuture<PlacementView> awaitChange(long afterVersion, Duration maxWait) {
    return read(
        ByteBuffer.allocate(17)
            .put(PlacementStateMachine.QUERY_AWAIT)
            .putLong(afterVersion)
            .putLong(maxWait.toMillis()));
  }

  private CompletableFuture<PlacementView> read(ByteBuffer query) {
    query.flip();
    return client
        .async()
        .sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(query)))
        .thenApply(reply -> PlacementCodec.decodeView(content(reply)));
  }

  private static byte[] content(RaftClientReply reply) {
    if (!reply.isSuccess()) {
      throw new IllegalStateException("placement request failed", reply.getException());
    }
    return reply.getMessage().getContent().toByteArray();
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      // Closing a client releases connections only; nothing to recover.
    }
  }
}
