package io.fossil.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where the nodes live on the network. With root, {@code ip} and {@code iptables}, each node gets
 * its own network namespace behind a bridge, so one node's Raft port can be cut with iptables while
 * it still reaches the store and the clients. Otherwise all nodes share loopback, where iptables
 * cannot tell them apart, and {@link Cluster} cuts partitions in its per-pair Raft proxies instead.
 */
abstract class Network implements AutoCloseable {

  /** The address node {@code i} (0-based) binds and advertises. */
  abstract String nodeHost(int i);

  /** The address the store listens on, reachable from every node and from this process. */
  abstract String storeHost();

  /** The command prefix that runs a program in node {@code i}'s network. */
  abstract List<String> prefix(int i);

  /** Whether each node has a network of its own, so that {@link #cutPort} can cut one node off. */
  abstract boolean isolated();

  /** Which network this is, and why, for the run's first lines. */
  abstract String describe();

  /** Drops all traffic to and from {@code port} inside node {@code i}'s namespace. */
  abstract void cutPort(int i, int port);

  /** Removes every rule {@link #cutPort} added for node {@code i}. */
  abstract void heal(int i);

  @Override
  public abstract void close();

  /**
   * Namespaces when this process may make them and {@code loopback} is false, loopback otherwise.
   */
  static Network create(int nodes, String tag, boolean loopback) {
    if (loopback) {
      return new Loopback("asked for (--loopback)");
    }
    String missing = Namespaces.unavailable();
    return missing == null ? new Namespaces(nodes, tag) : new Loopback(missing);
  }

  static final class Loopback extends Network {
    private final String reason;

    Loopback(String reason) {
      this.reason = reason;
    }

    @Override
    String nodeHost(int i) {
      return "127.0.0.1";
    }

    @Override
    String storeHost() {
      return "127.0.0.1";
    }

    @Override
    List<String> prefix(int i) {
      return List.of();
    }

    @Override
    boolean isolated() {
      return false;
    }

    @Override
    String describe() {
      return "loopback, " + reason;
    }

    @Override
    void cutPort(int i, int port) {
      throw new UnsupportedOperationException("one loopback for all nodes: " + reason);
    }

    @Override
    void heal(int i) {}

    @Override
    public void close() {}
  }

  /**
   * One namespace per node ({@code fsl<tag>n<i>}), a veth pair into a bridge in this namespace; the
   * bridge is 10.231.0.1, node i is 10.231.0.(11+i).
   */
  static final class Namespaces extends Network {
    private static final String SUBNET = "10.231.0.";
    private static final Path LOCK =
        Path.of(System.getProperty("java.io.tmpdir"), "fossil-chaos-netns.lock");
    private final int nodes;
    private final String bridge;
    private final String tag;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final AtomicBoolean closed = new AtomicBoolean();

    static String unavailable() {
      if (!"root".equals(System.getProperty("user.name"))) {
        return "namespaces need root; running as " + System.getProperty("user.name");
      }
      if (Proc.which("ip").isEmpty()) {
        return "namespaces need the ip command (apt-get install iproute2)";
      }
      if (Proc.which("iptables").isEmpty()) {
        return "namespaces need iptables (apt-get install iptables)";
      }
      return null;
    }

    Namespaces(int nodes, String tag) {
      this.nodes = nodes;
      this.tag = tag;
      this.bridge = "fsl" + tag + "br";
      // Every suite uses the same subnet, and the leftovers of a killed one are removed below: two
      // suites at once on one machine would cut each other's network. The lock dies with its
      // process, so a killed suite never blocks the next one.
      try {
        lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open " + LOCK, e);
      }
      FileLock held;
      try {
        held = lockFile.tryLock();
      } catch (IOException | OverlappingFileLockException e) {
        held = null; // held by this process already: another suite in this JVM
      }
      lock = held;
      if (lock == null) {
        try {
          lockFile.close();
        } catch (IOException e) {
          // nothing held yet
        }
        throw new IllegalStateException(
            "another fault suite is using network namespaces on this machine (it holds "
                + LOCK
                + "); run one at a time, or pass --loopback");
      }
      try {
        removeLeftovers();
        ip("link", "add", bridge, "type", "bridge");
        ip("addr", "add", SUBNET + "1/24", "dev", bridge);
        ip("link", "set", bridge, "up");
        for (int i = 0; i < nodes; i++) {
          String ns = ns(i);
          String outside = "fsl" + tag + "v" + i;
          String inside = "fsl" + tag + "p" + i;
          ip("netns", "add", ns);
          ip("link", "add", outside, "type", "veth", "peer", "name", inside);
          ip("link", "set", inside, "netns", ns);
          ip("link", "set", outside, "master", bridge, "up");
          ip("-n", ns, "addr", "add", nodeHost(i) + "/24", "dev", inside);
          ip("-n", ns, "link", "set", inside, "up");
          ip("-n", ns, "link", "set", "lo", "up");
        }
      } catch (RuntimeException e) {
        close(); // what was made so far, and the lock
        throw e;
      }
    }

    private String ns(int i) {
      return "fsl" + tag + "n" + i;
    }

    private static void ip(String... args) {
      List<String> cmd = new ArrayList<>(List.of("ip"));
      cmd.addAll(List.of(args));
      Proc.run(cmd);
    }

    @Override
    String nodeHost(int i) {
      return SUBNET + (11 + i);
    }

    @Override
    String storeHost() {
      return SUBNET + "1";
    }

    @Override
    List<String> prefix(int i) {
      return List.of("ip", "netns", "exec", ns(i));
    }

    @Override
    boolean isolated() {
      return true;
    }

    @Override
    String describe() {
      return "a network namespace per node (" + SUBNET + "0/24 behind bridge " + bridge + ")";
    }

    @Override
    void cutPort(int i, int port) {
      String p = Integer.toString(port);
      for (String chain : List.of("INPUT", "OUTPUT")) {
        List<String> cmd = new ArrayList<>(prefix(i));
        cmd.addAll(List.of("iptables", "-A", chain, "-p", "tcp", "--dport", p, "-j", "DROP"));
        Proc.run(cmd);
        cmd = new ArrayList<>(prefix(i));
        cmd.addAll(List.of("iptables", "-A", chain, "-p", "tcp", "--sport", p, "-j", "DROP"));
        Proc.run(cmd);
      }
    }

    @Override
    void heal(int i) {
      for (String chain : List.of("INPUT", "OUTPUT")) {
        List<String> cmd = new ArrayList<>(prefix(i));
        cmd.addAll(List.of("iptables", "-F", chain));
        Proc.run(cmd);
      }
    }

    /** Deletes this suite's namespaces and links, then releases the lock; only the first call. */
    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      for (int i = 0; i < nodes; i++) {
        quietly("ip", "netns", "del", ns(i));
        quietly("ip", "link", "del", "fsl" + tag + "v" + i);
      }
      quietly("ip", "link", "del", bridge);
      try {
        lockFile.close(); // releases the lock, last: the subnet is free now
      } catch (IOException e) {
        // the lock goes with the process in any case
      }
    }

    /**
     * Deletes every namespace and link a killed run left behind (any tag): they would hold the same
     * subnet, and the root namespace would route to the old bridge.
     */
    private static void removeLeftovers() {
      for (String ns : Proc.run(List.of("ip", "netns", "list")).split("\n")) {
        String name = ns.split(" ")[0];
        if (name.startsWith("fsl")) {
          quietly("ip", "netns", "del", name);
        }
      }
      for (String line : Proc.run(List.of("ip", "-o", "link", "show")).split("\n")) {
        String[] parts = line.split(": ");
        if (parts.length > 1 && parts[1].startsWith("fsl")) {
          quietly("ip", "link", "del", parts[1].split("@")[0]);
        }
      }
    }

    private static void quietly(String... cmd) {
      try {
        Proc.run(List.of(cmd));
      } catch (RuntimeException ignored) {
        // Not there: nothing to clean.
      }
    }
  }
}
