package io.fossil.placement.ratis;

import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.VotersReply;
import io.fossil.placement.VotersReply.Code;
import io.fossil.placement.VotersReply.Refused;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and changes the placement group's voters through Ratis' admin API (ADR 29): {@link
 * #voters()} asks the voters for the group's leader and answers its view of the configuration;
 * {@link #change} plans a change ({@link ChangePlan}: every refusal comes before Ratis is asked)
 * and has the leader carry it out with {@code setConfiguration}, compare-and-set against the
 * configuration it planned from, so a change that raced another changes nothing. Ratis catches new
 * voters up before they vote and moves through joint consensus.
 *
 * <p>With mutual TLS this client speaks with the node's certificate: any node may read the
 * configuration, only a voter may change it ({@code CallerInterceptor}). Calls run on this object's
 * own threads (Ratis' admin API blocks) and end: each Ratis call is bounded. Thread-safe; {@link
 * #close()} is idempotent.
 */
public final class PlacementMembership implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PlacementMembership.class);

  /** A follower the leader heard from within this is counted as answering. */
  static final long HEALTHY_CONTACT_MILLIS = 2_000;

  /** How long one ask for the group's information waits. */
  private static final Duration INFO_TIMEOUT = Duration.ofSeconds(3);

  /**
   * How long one configuration change may take: new voters catch up (Ratis gives up on one that
   * makes no progress for three election timeouts), then two entries commit.
   */
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(20);

  /** How long a replace keeps trying to add the voter back after removing it. */
  static final Duration READD_WAIT = Duration.ofSeconds(30);

  private static final Duration READD_RETRY = Duration.ofSeconds(1);

  private final String groupName;
  private final Map<String, String> known;
  private final ControlPlaneSecurity security;
  private final ExecutorService executor;
  private volatile Map<String, String> lastSeen = Map.of();
  private volatile String lastLeader;

  private PlacementMembership(
      String groupName, Map<String, String> known, ControlPlaneSecurity security) {
    this.groupName = groupName;
    this.known = Map.copyOf(known);
    this.security = security;
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fossil-placement-membership-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A client of the group named {@code groupName}. {@code voters} (id → Raft address) are where it
   * looks for the group first, and the addresses it knows for voters a change adds by id alone.
   */
  public static PlacementMembership connect(
      String groupName, Map<String, String> voters, ControlPlaneSecurity security) {
    Objects.requireNonNull(groupName, "groupName");
    Objects.requireNonNull(security, "security");
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("no voter to ask");
    }
    return new PlacementMembership(groupName, voters, security);
  }

  /**
   * The configuration as the leader sees it. Fails (an {@link IOException} as cause) when no voter
   * answers with a leader.
   */
  public CompletableFuture<Voters> voters() {
    return async(() -> toVoters(leaderInfo()));
  }

  /**
   * Plans {@code change} and has the leader carry it out. {@code askedBy} is this node's id: a node
   * that is not a voter is refused ({@link Code#NOT_A_VOTER}), as the voters' interceptor would.
   * Completes with the voters after the change or a refusal; fails when the group cannot be
   * reached.
   */
  public CompletableFuture<VotersReply> change(VoterChange change, String askedBy) {
    Objects.requireNonNull(change, "change");
    return voters()
        .thenCompose(
            current -> {
              if (askedBy != null && current.voter(askedBy).isEmpty()) {
                return done(
                    new Refused(
                        Code.NOT_A_VOTER,
                        "node "
                            + askedBy
                            + " is not a placement voter; send the change to one of "
                            + ids(current)));
              }
              ChangePlan plan = ChangePlan.of(current, change, known);
              if (plan.refused() != null) {
                return done(plan.refused());
              }
              LOG.info(
                  "changing the placement voters from {} to {} ({})",
                  ids(current),
                  plan.target().keySet(),
                  change);
              CompletableFuture<VotersReply> applied = apply(current, plan.target());
              if (plan.readd().isEmpty()) {
                return applied;
              }
              return applied.thenCompose(
                  reply ->
                      reply instanceof Refused
                          ? done(reply)
                          : addBack(plan.readd(), System.nanoTime() + READD_WAIT.toNanos()));
            });
  }

  /**
   * Adds a replaced voter back, once its node runs again with empty Raft storage (until then Ratis
   * cannot catch it up, and each try ends as {@link Code#NOT_CAUGHT_UP}).
   */
  private CompletableFuture<VotersReply> addBack(Map<String, String> voter, long deadlineNanos) {
    String id = voter.keySet().iterator().next();
    return voters()
        .thenCompose(
            current -> {
              if (current.voter(id).isPresent()) {
                return done(new VotersReply.Changed(current));
              }
              ChangePlan plan =
                  ChangePlan.of(
                      current, new VoterChange.Add(Map.of(id, Optional.of(voter.get(id)))), known);
              return plan.refused() != null ? done(plan.refused()) : apply(current, plan.target());
            })
        .thenCompose(
            reply -> {
              if (!(reply instanceof Refused r)) {
                return done(reply);
              }
              boolean retry =
                  (r.code() == Code.NOT_CAUGHT_UP || r.code() == Code.CHANGING)
                      && System.nanoTime() - deadlineNanos < 0;
              if (!retry) {
                return done(notAddedBack(id, r.message()));
              }
              return CompletableFuture.supplyAsync(
                      () -> null,
                      CompletableFuture.delayedExecutor(
                          READD_RETRY.toMillis(), TimeUnit.MILLISECONDS, executor))
                  .thenCompose(x -> addBack(voter, deadlineNanos));
            });
  }

  private static Refused notAddedBack(String id, String why) {
    return new Refused(
        Code.NOT_CAUGHT_UP,
        id
            + " was removed from the voters but not added back ("
            + why
            + "). Start its node with an empty Raft directory (it then waits to be added), then"
            + " add it: fossil voters add "
            + id);
  }

  /** Has the leader move from {@code current} to {@code target}; re-reads the result. */
  private CompletableFuture<VotersReply> apply(Voters current, Map<String, String> target) {
    return async(
        () -> {
          Map<String, String> peers = new LinkedHashMap<>(addresses(current));
          peers.putAll(target);
          SetConfigurationRequest.Arguments arguments =
              SetConfigurationRequest.Arguments.newBuilder()
                  .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                  .setServersInCurrentConf(peers(addresses(current)))
                  .setListenersInCurrentConf(peers(listeners(current)))
                  .setServersInNewConf(peers(target))
                  .setListenersInNewConf(peers(listeners(current)))
                  .build();
          IOException failure = null;
          try (RaftClient client =
              client(
                  peers,
                  current.leader(),
                  CHANGE_TIMEOUT,
                  RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                      3, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS)))) {
            RaftClientReply reply = client.admin().setConfiguration(arguments);
            if (!reply.isSuccess()) {
              failure =
                  reply.getException() != null
                      ? reply.getException()
                      : new IOException("setConfiguration failed: " + reply);
            }
          } catch (IOException e) {
            failure = e;
          }
          // Whatever Ratis said, the leader's configuration now is the answer: a reply lost after
          // the change committed must not read as a failure.
          Voters after;
          try {
            after = toVoters(leaderInfo());
          } catch (IOException e) {
            if (failure == null) {
              throw e;
            }
            failure.addSuppressed(e);
            throw failure;
          }
          if (!after.changing() && addresses(after).keySet().equals(target.keySet())) {
            LOG.info("the placement voters are now {}", target.keySet());
            return new VotersReply.Changed(after);
          }
          if (failure == null) {
            throw new IOException(
                "setConfiguration answered success but the voters are " + ids(after));
          }
          return refusal(failure, target);
        });
  }

  /** What a failed {@code setConfiguration} means, if Ratis refused; else rethrows it. */
  private static Refused refusal(IOException failure, Map<String, String> target)
      throws IOException {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ReconfigurationTimeoutException) {
        return new Refused(
            Code.NOT_CAUGHT_UP,
            "the new voters of "
                + target
                + " did not answer or catch up in time; is each one's node running, reachable at"
                + " that address, with a Raft directory it may use?");
      }
      if (t instanceof ReconfigurationInProgressException
          || t instanceof SetConfigurationException) {
        return new Refused(
            Code.CHANGING,
            "the configuration changed while this change was planned, or another change is under"
                + " way; retry ("
                + t.getMessage()
                + ")");
      }
    }
    throw failure;
  }

  /**
   * The group information of its leader: asks the last leader seen, then every voter known, and
   * follows a follower to the leader it names.
   */
  private GroupInfoReply leaderInfo() throws IOException {
    Map<String, String> candidates = new LinkedHashMap<>();
    String leader = lastLeader;
    Map<String, String> seen = lastSeen;
    if (leader != null && seen.containsKey(leader)) {
      candidates.put(leader, seen.get(leader));
    }
    candidates.putAll(seen);
    known.forEach(candidates::putIfAbsent);
    Set<String> asked = new LinkedHashSet<>();
    List<String> order = new ArrayList<>(candidates.keySet());
    IOException last = null;
    for (int i = 0; i < order.size(); i++) {
      String id = order.get(i);
      if (!asked.add(id)) {
        continue;
      }
      try {
        GroupInfoReply reply = info(id, candidates.get(id));
        RoleInfoProto role = reply.getRoleInfoProto();
        if (role.getRole() == RaftPeerRole.LEADER && reply.getConf().isPresent()) {
          lastLeader = id;
          lastSeen = addressesOf(reply);
          return reply;
        }
        if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
          String named = role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8();
          Map<String, String> conf = addressesOf(reply);
          if (conf.containsKey(named) && !asked.contains(named)) {
            candidates.putIfAbsent(named, conf.get(named));
            order.add(i + 1, named);
          }
        }
      } catch (IOException | RuntimeException e) {
        last = e instanceof IOException io ? io : new IOException(e);
      }
    }
    throw new IOException("no placement voter answered as the leader (asked " + asked + ")", last);
  }

  private GroupInfoReply info(String id, String address) throws IOException {
    try (RaftClient client =
        client(Map.of(id, address), id, INFO_TIMEOUT, RetryPolicies.noRetry())) {
      return client.getGroupManagementApi(RaftPeerId.valueOf(id)).info(client.getGroupId());
    }
  }

  private RaftClient client(
      Map<String, String> peers, String leader, Duration timeout, RetryPolicy retry) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(timeout.toMillis(), TimeUnit.MILLISECONDS));
    RaftGroup group = RatisGroups.group(groupName, peers);
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group)
        .setParameters(security.clientParameters())
        .setLeaderId(RaftPeerId.valueOf(leader))
        .setRetryPolicy(retry)
        .build();
  }

  /** The leader's view, as Fossil shows it. */
  static Voters toVoters(GroupInfoReply reply) throws IOException {
    var conf =
        reply.getConf().orElseThrow(() -> new IOException("the leader sent no configuration"));
    RoleInfoProto role = reply.getRoleInfoProto();
    String leader = role.getSelf().getId().toStringUtf8();
    Set<String> current = new LinkedHashSet<>();
    conf.getPeersList().forEach(p -> current.add(p.getId().toStringUtf8()));
    Set<String> old = new LinkedHashSet<>();
    conf.getOldPeersList().forEach(p -> old.add(p.getId().toStringUtf8()));
    boolean changing = !old.isEmpty() || conf.getOldListenersCount() > 0;
    Map<String, Long> commits = new LinkedHashMap<>();
    reply
        .getCommitInfos()
        .forEach(c -> commits.put(c.getServer().getId().toStringUtf8(), c.getCommitIndex()));
    Map<String, Long> contact = new LinkedHashMap<>();
    if (role.hasLeaderInfo()) {
      role.getLeaderInfo()
          .getFollowerInfoList()
          .forEach(f -> contact.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs()));
    }
    Map<String, String> addresses = new TreeMap<>();
    conf.getOldPeersList().forEach(p -> addresses.put(p.getId().toStringUtf8(), p.getAddress()));
    conf.getPeersList().forEach(p -> addresses.put(p.getId().toStringUtf8(), p.getAddress()));
    List<Voters.Voter> voters = new ArrayList<>();
    addresses.forEach(
        (id, address) -> {
          Voters.Role r;
          if (id.equals(leader)) {
            r = Voters.Role.LEADER;
          } else if (changing && !old.contains(id)) {
            r = Voters.Role.JOINING;
          } else if (changing && !current.contains(id)) {
            r = Voters.Role.LEAVING;
          } else {
            r = Voters.Role.FOLLOWER;
          }
          long last = id.equals(leader) ? 0 : contact.getOrDefault(id, -1L);
          voters.add(
              new Voters.Voter(
                  id,
                  address,
                  r,
                  commits.getOrDefault(id, -1L),
                  last,
                  last >= 0 && last <= HEALTHY_CONTACT_MILLIS));
        });
    Map<String, String> listening = new TreeMap<>();
    conf.getOldListenersList()
        .forEach(p -> listening.put(p.getId().toStringUtf8(), p.getAddress()));
    conf.getListenersList().forEach(p -> listening.put(p.getId().toStringUtf8(), p.getAddress()));
    List<Voters.Voter> listeners = new ArrayList<>();
    listening.forEach(
        (id, address) -> {
          long last = contact.getOrDefault(id, -1L);
          listeners.add(
              new Voters.Voter(
                  id,
                  address,
                  Voters.Role.LISTENER,
                  commits.getOrDefault(id, -1L),
                  last,
                  last >= 0 && last <= HEALTHY_CONTACT_MILLIS));
        });
    return new Voters(leader, changing, voters, listeners);
  }

  private static Map<String, String> addressesOf(GroupInfoReply reply) {
    Map<String, String> peers = new LinkedHashMap<>();
    reply
        .getConf()
        .ifPresent(
            c -> {
              c.getPeersList().forEach(p -> peers.put(p.getId().toStringUtf8(), p.getAddress()));
              c.getOldPeersList()
                  .forEach(p -> peers.putIfAbsent(p.getId().toStringUtf8(), p.getAddress()));
            });
    return peers;
  }

  private static Map<String, String> addresses(Voters voters) {
    Map<String, String> map = new LinkedHashMap<>();
    voters.voters().forEach(v -> map.put(v.id(), v.address()));
    return map;
  }

  private static Map<String, String> listeners(Voters voters) {
    Map<String, String> map = new LinkedHashMap<>();
    voters.listeners().forEach(v -> map.put(v.id(), v.address()));
    return map;
  }

  private static List<RaftPeer> peers(Map<String, String> ids) {
    return ids.entrySet().stream()
        .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build())
        .toList();
  }

  private static List<String> ids(Voters voters) {
    return voters.voters().stream().map(Voters.Voter::id).toList();
  }

  private static CompletableFuture<VotersReply> done(VotersReply reply) {
    return CompletableFuture.completedFuture(reply);
  }

  /** A blocking Ratis call on this object's threads; an IOException fails the future. */
  private <T> CompletableFuture<T> async(IoCall<T> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return call.run();
          } catch (IOException e) {
            throw new CompletionException(e);
          }
        },
        executor);
  }

  @FunctionalInterface
  private interface IoCall<T> {
    T run() throws IOException;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "PlacementMembership[" + groupName + ", " + known.keySet() + "]";
  }
}
