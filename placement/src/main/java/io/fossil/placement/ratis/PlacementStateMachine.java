package io.fossil.placement.ratis;

import io.fossil.placement.PlacementCodec;
import io.fossil.placement.PlacementCommand;
import io.fossil.placement.PlacementConfig;
import io.fossil.placement.PlacementController;
import io.fossil.placement.PlacementState;
import io.fossil.placement.PlacementView;
import io.fossil.security.Principal;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The Ratis adapter around {@link PlacementController}: the leader stamps each command with its
 * clock in {@link #startTransaction} (so every replica applies the same log time), {@link
 * #applyTransaction} runs the controller with that time and the entry's Raft term (so the first
 * command of a new leader's term grants grace on every replica, whatever reached the leader first),
 * queries read a {@link PlacementView}. Expected refusals are reply values; an exception from apply
 * would stop the server, so only a broken invariant (a bug) may throw.
 *
 * <p>With TLS ({@code secure}), every command reaches the leader wrapped in a {@link
 * CallerEnvelope} by its gRPC interceptor; {@link #startTransaction} refuses one that is not, and
 * apply asks the controller whether that caller may send that command (ADR 27), from the log entry
 * and the state alone. An entry without an envelope (written without TLS, or before it was turned
 * on) is applied as it always was.
 */
final class PlacementStateMachine extends BaseStateMachine {

  static final byte QUERY_VIEW = 1;
  static final byte QUERY_AWAIT = 2;

  private final PlacementConfig config;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final boolean secure;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final List<Waiter> waiters = new ArrayList<>();
  private PlacementController controller;
  private volatile PlacementView view;

  private record Waiter(long afterVersion, CompletableFuture<Message> future) {}

  PlacementStateMachine(
      PlacementConfig config, Clock clock, ScheduledExecutorService timer, boolean secure) {
    this.config = config;
    this.clock = clock;
    this.timer = timer;
    this.secure = secure;
    reset(new PlacementState(config));
  }

  private synchronized void reset(PlacementState state) {
    controller = new PlacementController(state);
    view = state.view();
  }

  /** The state as last applied on this replica. */
  PlacementView view() {
    return view;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    getLifeCycle().startAndTransition(this::loadSnapshot, IOException.class);
  }

  /**
   * Before Ratis installs a snapshot the leader sent (a follower too far behind, or a voter that
   * just joined, ADR 29), it pauses the state machine and then asks it to {@link #reinitialize}
   * from that snapshot, which it only does from {@code PAUSED}. Nothing is open between calls, so
   * pausing is only the state change.
   */
  @Override
  public void pause() {
    LifeCycle life = getLifeCycle();
    if (life.getCurrentState() == LifeCycle.State.RUNNING) {
      life.transition(LifeCycle.State.PAUSING);
      life.transition(LifeCycle.State.PAUSED);
    }
  }

  /** Loads the latest snapshot (after {@link #pause}: the one just installed) and runs again. */
  @Override
  public void reinitialize() throws IOException {
    getLifeCycle().startAndTransition(this::loadSnapshot, IOException.class);
  }

  private void loadSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null || !Files.exists(snapshot.getFile().getPath())) {
      return;
    }
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(
          snapshot.getFile().getPath().toFile(), snapshot.getFile().getFileDigest());
    }
    byte[] bytes = Files.readAllBytes(snapshot.getFile().getPath());
    synchronized (this) {
      reset(PlacementCodec.restore(bytes, config));
      updateLastAppliedTermIndex(snapshot.getTermIndex());
    }
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public long takeSnapshot() throws IOException {
    byte[] bytes;
    TermIndex applied;
    synchronized (this) {
      bytes = PlacementCodec.snapshot(controller.state());
      applied = getLastAppliedTermIndex();
    }
    if (applied == null) {
      return -1;
    }
    File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
    File tmp = new File(file.getPath() + ".tmp");
    Files.write(tmp.toPath(), bytes);
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
    FileInfo info = new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file));
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(info, applied));
    return applied.getIndex();
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString command = request.getMessage().getContent();
    if (secure && !CallerEnvelope.isWrapped(command.asReadOnlyByteBuffer())) {
      TransactionContext refused =
          TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request).build();
      refused.setException(
          new IOException("a command must come through the voters' TLS interceptor (ADR 27)"));
      return refused;
    }
    ByteBuffer stamped = ByteBuffer.allocate(8 + command.size());
    stamped.putLong(clock.millis());
    command.copyTo(stamped);
    stamped.flip();
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(UnsafeByteOperations.unsafeWrap(stamped))
        .build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    ByteBuffer data = entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer();
    long logTime = data.getLong();
    Principal caller = null;
    byte[] commandBytes;
    if (CallerEnvelope.isWrapped(data)) {
      Optional<CallerEnvelope.Opened> opened = CallerEnvelope.open(data);
      if (opened.isEmpty()) {
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.failedFuture(
            new IllegalArgumentException("a caller envelope that does not parse"));
      }
      caller = opened.get().caller();
      commandBytes = opened.get().command();
    } else {
      commandBytes = new byte[data.remaining()];
      data.get(commandBytes);
    }
    PlacementCommand command;
    try {
      command = PlacementCodec.decodeCommand(commandBytes);
    } catch (IllegalArgumentException e) {
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.failedFuture(e);
    }
    byte[] reply;
    synchronized (this) {
      // The entry's term lets the controller grant a new leader's grace itself (ADR 10).
      long term = PlacementCodec.tracksTerms(commandBytes) ? entry.getTerm() : 0;
      int format = PlacementCodec.format(commandBytes);
      PlacementController.Result result =
          caller == null
              ? controller.execute(command, logTime, term, format)
              : controller.execute(command, logTime, term, format, caller);
      reply = PlacementCodec.encode(result.reply());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      view = controller.state().view();
      wakeWaiters();
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    ByteBuffer q = request.getContent().asReadOnlyByteBuffer();
    byte kind = q.get();
    if (kind == QUERY_VIEW) {
      return CompletableFuture.completedFuture(viewMessage());
    }
    if (kind == QUERY_AWAIT) {
      long afterVersion = q.getLong();
      long maxWaitMillis = q.getLong();
      CompletableFuture<Message> future = new CompletableFuture<>();
      synchronized (this) {
        if (view.version() > afterVersion) {
          return CompletableFuture.completedFuture(viewMessage());
        }
        waiters.add(new Waiter(afterVersion, future));
      }
      timer.schedule(() -> future.complete(viewMessage()), maxWaitMillis, TimeUnit.MILLISECONDS);
      return future;
    }
    return CompletableFuture.failedFuture(new IllegalArgumentException("unknown query " + kind));
  }

  private Message viewMessage() {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(PlacementCodec.encode(view)));
  }

  private void wakeWaiters() {
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.future.isDone() || view.version() > w.afterVersion) {
        it.remove();
        w.future.complete(viewMessage());
      }
    }
  }
}
