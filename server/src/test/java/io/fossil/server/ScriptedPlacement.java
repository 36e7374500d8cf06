package io.fossil.server;

import io.fossil.placement.PlacementClient;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementReply;
import io.fossil.placement.PlacementView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * A placement group that answers commands and long polls as the test says and remembers what it was
 * sent.
 */
final class ScriptedPlacement implements PlacementClient {

  final List<PlacementCommand> commands = new CopyOnWriteArrayList<>();
  final List<Long> polls = new CopyOnWriteArrayList<>();
  volatile Function<PlacementCommand, CompletableFuture<PlacementReply>> answer =
      ScriptedPlacement::leased;
  volatile LongFunction<CompletableFuture<PlacementView>> poll =
      after -> CompletableFuture.failedFuture(new UnsupportedOperationException());

  static CompletableFuture<PlacementReply> leased(PlacementCommand command) {
    return CompletableFuture.completedFuture(new PlacementReply.Leased(2, 0));
  }

  long sent(Class<? extends PlacementCommand> type) {
    return commands.stream().filter(type::isInstance).count();
  }

  @Override
  public CompletableFuture<PlacementReply> submit(PlacementCommand command) {
    commands.add(command);
    return answer.apply(command);
  }

  @Override
  public CompletableFuture<PlacementView> view() {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletableFuture<PlacementView> awaitChange(long afterVersion, Duration maxWait) {
    polls.add(afterVersion);
    return poll.apply(afterVersion);
  }

  @Override
  public void close() {}
}
