package io.fossil.placement.ratis;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.placement.Voters;
import io.fossil.storage.Keyspace;
import io.fossil.storage.VoterRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how a voter's Raft server starts (ADR 29), so that a voter whose Raft storage was lost
 * never comes back in place of the voter it was: with an empty log and no memory of its votes it
 * could help elect a leader that lacks committed entries, or vote twice in one term.
 *
 * <table>
 *   <caption>The decision</caption>
 *   <tr><th>Raft storage</th><th>the store's voter record</th><th>start</th></tr>
 *   <tr><td>present (Ratis', or this class's marker)</td><td>any</td><td>{@link Mode#RECOVER}
 *       from it, or {@link Mode#JOIN} if it began by joining (and write the record if
 *       missing)</td></tr>
 *   <tr><td>empty</td><td>none, and no cluster record</td><td>{@link Mode#BOOTSTRAP}: a new
 *       group of the configured voters</td></tr>
 *   <tr><td>empty</td><td>none, cluster record present</td><td>{@link Mode#JOIN}: outside any
 *       configuration; the leader catches it up if the group lists it, else it waits to be
 *       added</td></tr>
 *   <tr><td>empty</td><td>present: its storage is lost</td><td>wait while the group still lists
 *       this node; {@link Mode#JOIN} once it no longer does</td></tr>
 * </table>
 *
 * A node that never had storage never voted, so it may start however the group needs it. The record
 * is written, and then the marker, before the server first starts, so a voter cannot have voted
 * without them. Thread-safe; one decision per start.
 */
final class VoterStartup {

  private static final Logger LOG = LoggerFactory.getLogger(VoterStartup.class);

  /** How the Raft server starts. */
  enum Mode {
    /** From its storage; the configuration in the log wins over the configured voters. */
    RECOVER,
    /** A new group whose configuration is the configured voters. */
    BOOTSTRAP,
    /** Outside any configuration: it neither votes nor campaigns until the leader brings one. */
    JOIN
  }

  /** How long each store call may take before the start fails. */
  static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

  /** How often a voter whose storage is lost asks whether the group has removed it. */
  static final Duration POLL = Duration.ofSeconds(1);

  /** How often, while it waits, it says so. */
  static final Duration NAG = Duration.ofSeconds(30);

  /** The file, beside Ratis' directory, that says how this node's storage began. */
  static final String MARKER = "fossil-voter";

  private final String nodeId;
  private final Path storageDir;
  private final RaftGroupId groupId;
  private final KvStore store;
  private final Supplier<CompletableFuture<Voters>> group;
  private final BooleanSupplier closed;
  private final Clock clock;
  private volatile String waiting;

  /**
   * @param group asks the placement group for its voters (only when this node's storage is lost)
   * @param closed whether the voter was closed meanwhile (ends a wait)
   */
  VoterStartup(
      String nodeId,
      Path storageDir,
      RaftGroupId groupId,
      KvStore store,
      Supplier<CompletableFuture<Voters>> group,
      BooleanSupplier closed,
      Clock clock) {
    this.nodeId = nodeId;
    this.storageDir = storageDir;
    this.groupId = groupId;
    this.store = store;
    this.group = group;
    this.closed = closed;
    this.clock = clock;
  }

  /** Whether Ratis has storage for the group under {@code storageDir}. */
  static boolean hasStorage(Path storageDir, RaftGroupId groupId) {
    return Files.isDirectory(storageDir.resolve(groupId.getUuid().toString()));
  }

  /** Why the voter does not start yet, while it waits to be removed from the group; else null. */
  String waiting() {
    return waiting;
  }

  /**
   * Decides; {@code onWait} runs once if the voter must first wait for the group to remove it.
   * Fails if the store does not answer, or with {@link CancellationException} if closed while
   * waiting.
   */
  CompletableFuture<Mode> decide(Runnable onWait) {
    Optional<Mode> marked = readMarker();
    if (hasStorage(storageDir, groupId) || marked.isPresent()) {
      // Ratis storage, or this node's own decision from a start that stopped before Ratis wrote
      // any: either way this storage never went away.
      store
          .get(Keyspace.voterKey(nodeId))
          .thenCompose(r -> r.isPresent() ? CompletableFuture.completedFuture(null) : record())
          .whenComplete(
              (x, e) -> {
                if (e != null) {
                  LOG.warn("voter {}: could not write its voter record: {}", nodeId, e.toString());
                }
              });
      return CompletableFuture.completedFuture(marked.orElse(Mode.RECOVER));
    }
    CompletableFuture<Optional<byte[]>> voter = bounded(store.get(Keyspace.voterKey(nodeId)));
    CompletableFuture<Optional<byte[]>> cluster = bounded(store.get(Keyspace.clusterKey()));
    return voter
        .thenCombine(cluster, (v, c) -> new boolean[] {v.isPresent(), c.isPresent()})
        .thenCompose(
            found -> {
              if (found[0]) {
                return awaitRemoval(onWait, 0).thenCompose(x -> started(Mode.JOIN));
              }
              return started(found[1] ? Mode.JOIN : Mode.BOOTSTRAP);
            });
  }

  /** Records that this node has storage, in the store and then in the storage itself. */
  private CompletableFuture<Mode> started(Mode mode) {
    return record()
        .thenApply(
            x -> {
              writeMarker(mode);
              return mode;
            });
  }

  /** Writes the voter record; fails unless the store confirms it. */
  private CompletableFuture<Void> record() {
    byte[] value = new VoterRecord(UUID.randomUUID().toString(), clock.millis()).encode();
    return bounded(store.write(WriteBatch.builder().put(Keyspace.voterKey(nodeId), value).build()))
        .thenAccept(
            outcome -> {
              if (!(outcome instanceof WriteOutcome.Committed)) {
                throw new IllegalStateException(
                    "voter "
                        + nodeId
                        + ": the store did not confirm its voter record ("
                        + outcome
                        + "); not starting a voter without it");
              }
            });
  }

  /**
   * The marker beside Ratis' directory says how this storage began (bootstrap or join), so that a
   * start that ends before Ratis wrote anything starts the same way the next time.
   */
  private Optional<Mode> readMarker() {
    Path marker = storageDir.resolve(MARKER);
    if (!Files.exists(marker)) {
      return Optional.empty();
    }
    try {
      String text = Files.readString(marker, StandardCharsets.UTF_8).strip();
      // Once Ratis has storage, its log holds the configuration; the marker only names the
      // group the server starts with, and a joined voter starts with none.
      return Optional.of(Mode.valueOf(text) == Mode.JOIN ? Mode.JOIN : Mode.RECOVER);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "voter " + nodeId + ": cannot read " + marker + " (" + e + "); fix or remove it", e);
    }
  }

  private void writeMarker(Mode mode) {
    Path marker = storageDir.resolve(MARKER);
    Path tmp = storageDir.resolve(MARKER + ".tmp");
    try {
      Files.createDirectories(storageDir);
      Files.writeString(tmp, mode.name() + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("voter " + nodeId + ": cannot write " + marker, e);
    }
  }

  /**
   * Waits until the group no longer lists this node. The node's old voter may have voted and
   * acknowledged entries; only once the group has committed a configuration without it may it come
   * back, as a new member the leader catches up before it votes.
   */
  private CompletableFuture<Void> awaitRemoval(Runnable onWait, int asked) {
    if (closed.getAsBoolean()) {
      return CompletableFuture.failedFuture(new CancellationException("closed while waiting"));
    }
    return group
        .get()
        .handle(
            (voters, error) -> {
              if (voters != null && !voters.isMember(nodeId)) {
                LOG.info(
                    "voter {}: its Raft storage was lost and the group ({}) no longer lists it;"
                        + " it starts as a new member and waits to be added: fossil voters add {}",
                    nodeId,
                    voters.voters().stream().map(Voters.Voter::id).toList(),
                    nodeId);
                waiting = null;
                return true;
              }
              String why =
                  "its Raft storage at "
                      + storageDir
                      + " is empty, but the store shows it had some"
                      + (voters != null
                          ? " and the placement group still lists " + nodeId + " as a voter"
                          : " and the placement group cannot say whether it still lists it ("
                              + error
                              + ")")
                      + ". It does not start a voter with an empty log in place of one that"
                      + " voted (ADR 29). Remove it first: fossil voters replace "
                      + nodeId
                      + " (or fossil voters remove "
                      + nodeId
                      + ", then add it back once this node runs)";
              boolean first = waiting == null;
              waiting = why;
              if (first) {
                onWait.run();
              }
              if (asked % (NAG.toMillis() / POLL.toMillis()) == 0) {
                LOG.warn("voter {} waits: {}", nodeId, why);
              }
              return false;
            })
        .thenCompose(
            removed ->
                removed
                    ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.supplyAsync(
                            () -> null,
                            CompletableFuture.delayedExecutor(
                                POLL.toMillis(), TimeUnit.MILLISECONDS))
                        .thenCompose(x -> awaitRemoval(onWait, asked + 1)));
  }

  private static <T> CompletableFuture<T> bounded(CompletableFuture<T> call) {
    return call.orTimeout(STORE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
