package io.fossil.kv.fdb;

import com.apple.foundationdb.Database;
import com.apple.foundationdb.FDBException;
import com.apple.foundationdb.KeyValue;
import com.apple.foundationdb.Transaction;
import com.apple.foundationdb.TransactionOptions;
import com.apple.foundationdb.async.AsyncIterable;
import com.apple.foundationdb.async.AsyncIterator;
import io.fossil.kv.Keys;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process stand-in for a FoundationDB cluster behind fdb-java's own {@link Database} and
 * {@link Transaction} interfaces (dynamic proxies), so that {@link FdbKvStore} runs unchanged on a
 * machine without libfdb_c. It proves our mapping (prefixes, preconditions, retries, unknown
 * outcomes, close), not FoundationDB: its semantics are a model of the documented ones.
 *
 * <p>Model: multi-version storage; a transaction reads at the version current at its first read; a
 * commit fails with {@code not_committed} if any key or range it read was written after its read
 * version (optimistic concurrency, as FoundationDB's resolvers do), otherwise applies its writes in
 * order at a new version. Reads do not see the transaction's own writes (the store never reads
 * after writing). Futures complete on the transaction's executor. Faults can be queued: an error on
 * the next read or the next commit (applied or not), a hook before a commit, or a commit held until
 * the test releases it.
 */
final class FakeFdb {

  /** A null value in a version chain is a deletion. */
  private final NavigableMap<byte[], TreeMap<Long, byte[]>> data = new TreeMap<>(Keys::compare);

  private long version; // guarded by data

  private final Queue<Integer> readFaults = new ConcurrentLinkedQueue<>();
  private final Queue<CommitFault> commitFaults = new ConcurrentLinkedQueue<>();
  private final Queue<Runnable> beforeCommit = new ConcurrentLinkedQueue<>();
  private final Queue<CompletableFuture<Void>> heldCommits = new ConcurrentLinkedQueue<>();
  private final AtomicInteger openTransactions = new AtomicInteger();
  private final AtomicInteger createdTransactions = new AtomicInteger();
  private final AtomicInteger commits = new AtomicInteger();
  private final Queue<Long> timeouts = new ConcurrentLinkedQueue<>();

  private record CommitFault(int code, boolean applied) {}

  /** A set (value), a clear (no value) or, with an end, a range clear. */
  private record Write(byte[] key, byte[] end, byte[] value) {}

  /** The next read (get or range read) of any transaction fails with {@code code}. */
  void failNextRead(int code) {
    readFaults.add(code);
  }

  /**
   * The next commit fails with {@code code}; when {@code applied}, its writes are applied first (a
   * commit_unknown_result that did commit).
   */
  void failNextCommit(int code, boolean applied) {
    commitFaults.add(new CommitFault(code, applied));
  }

  /** Runs {@code hook} just before the next commit is resolved (to write a conflicting key). */
  void beforeNextCommit(Runnable hook) {
    beforeCommit.add(hook);
  }

  /** The next commit waits for the returned future before it is resolved. */
  CompletableFuture<Void> holdNextCommit() {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    heldCommits.add(gate);
    return gate;
  }

  int openTransactions() {
    return openTransactions.get();
  }

  int createdTransactions() {
    return createdTransactions.get();
  }

  /** Commits attempted (including failed ones), read-only ones excluded. */
  int commits() {
    return commits.get();
  }

  /** The timeout option of every transaction so far, in milliseconds. */
  List<Long> timeouts() {
    return List.copyOf(timeouts);
  }

  /** Every live key, for isolation checks. */
  List<byte[]> liveKeys() {
    synchronized (data) {
      List<byte[]> out = new ArrayList<>();
      for (Map.Entry<byte[], TreeMap<Long, byte[]>> e : data.entrySet()) {
        if (e.getValue().lastEntry().getValue() != null) {
          out.add(e.getKey());
        }
      }
      return out;
    }
  }

  Database database() {
    return proxy(
        Database.class,
        (self, method, args) ->
            switch (signature(method)) {
              case "createTransaction/1" -> newTransaction((Executor) args[0]);
              case "close/0" -> null;
              default -> objectMethod(self, method, args);
            });
  }

  private Transaction newTransaction(Executor executor) {
    createdTransactions.incrementAndGet();
    openTransactions.incrementAndGet();
    return proxy(Transaction.class, new FakeTransaction(executor));
  }

  private final class FakeTransaction implements InvocationHandler {
    private final Executor executor;
    private long readVersion = -1;
    private final List<byte[]> readKeys = new ArrayList<>();
    private final List<byte[][]> readRanges = new ArrayList<>();
    private final List<Write> writes = new ArrayList<>();
    private boolean closed;
    private volatile FDBException deferred;

    FakeTransaction(Executor executor) {
      this.executor = executor;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) {
      switch (signature(method)) {
        case "options/0":
          return new TransactionOptions(
              (code, param) -> {
                if (code == 500) { // timeout
                  timeouts.add(ByteBuffer.wrap(param).order(ByteOrder.LITTLE_ENDIAN).getLong());
                }
              });
        case "get/1":
          return read(() -> valueAt((byte[]) args[0], readVersion()), (byte[]) args[0], null);
        case "getRange/5":
          return range((byte[]) args[0], (byte[]) args[1], (Integer) args[2], (Boolean) args[3]);
        case "set/2":
          write((byte[]) args[0], (byte[]) args[1]);
          return null;
        case "clear/1":
          write((byte[]) args[0], null);
          return null;
        case "clear/2":
          clearRange((byte[]) args[0], (byte[]) args[1]);
          return null;
        case "commit/0":
          return commit();
        case "close/0":
          if (!closed) {
            closed = true;
            openTransactions.decrementAndGet();
          }
          return null;
        default:
          return objectMethod(self, method, args);
      }
    }

    private long readVersion() {
      synchronized (data) {
        if (readVersion < 0) {
          readVersion = version;
        }
        return readVersion;
      }
    }

    private <T> CompletableFuture<T> read(
        java.util.function.Supplier<T> body, byte[] key, byte[] end) {
      requireOpen();
      Integer fault = readFaults.poll();
      if (fault != null) {
        return CompletableFuture.supplyAsync(
            () -> {
              throw error(fault);
            },
            executor);
      }
      if (isSystem(key) || (end != null && Keys.compare(end, new byte[] {(byte) 0xFF}) > 0)) {
        return CompletableFuture.supplyAsync(
            () -> {
              throw error(2004);
            },
            executor);
      }
      T value;
      synchronized (data) {
        value = body.get();
      }
      synchronized (this) {
        if (end == null) {
          readKeys.add(key);
        } else {
          readRanges.add(new byte[][] {key, end});
        }
      }
      return CompletableFuture.supplyAsync(() -> value, executor);
    }

    private AsyncIterable<KeyValue> range(byte[] begin, byte[] end, int limit, boolean reverse) {
      return new AsyncIterable<>() {
        @Override
        public AsyncIterator<KeyValue> iterator() {
          throw new UnsupportedOperationException("the fake only supports asList()");
        }

        @Override
        public CompletableFuture<List<KeyValue>> asList() {
          return read(() -> scan(begin, end, limit, reverse, readVersion()), begin, end);
        }
      };
    }

    private List<KeyValue> scan(byte[] begin, byte[] end, int limit, boolean reverse, long at) {
      NavigableMap<byte[], TreeMap<Long, byte[]>> sub = data.subMap(begin, true, end, false);
      Iterator<Map.Entry<byte[], TreeMap<Long, byte[]>>> it =
          (reverse ? sub.descendingMap() : sub).entrySet().iterator();
      List<KeyValue> out = new ArrayList<>();
      while (it.hasNext() && (limit == 0 || out.size() < limit)) {
        Map.Entry<byte[], TreeMap<Long, byte[]>> e = it.next();
        Map.Entry<Long, byte[]> v = e.getValue().floorEntry(at);
        if (v != null && v.getValue() != null) {
          out.add(new KeyValue(e.getKey(), v.getValue()));
        }
      }
      return out;
    }

    private synchronized void write(byte[] key, byte[] value) {
      requireOpen();
      if (isSystem(key)) {
        deferred = error(2004);
      } else if (key.length > FdbLimits.KEY_SIZE_LIMIT) {
        deferred = error(2102);
      } else if (value != null && value.length > FdbLimits.VALUE_SIZE_LIMIT) {
        deferred = error(2103);
      }
      writes.add(new Write(key, null, value));
    }

    private synchronized void clearRange(byte[] begin, byte[] end) {
      requireOpen();
      writes.add(new Write(begin, end, null));
    }

    private CompletableFuture<Void> commit() {
      requireOpen();
      List<Write> mine;
      synchronized (this) {
        mine = List.copyOf(writes);
      }
      if (mine.isEmpty()) {
        return CompletableFuture.supplyAsync(() -> null, executor); // read-only: nothing to do
      }
      commits.incrementAndGet();
      CompletableFuture<Void> gate = heldCommits.poll();
      CompletableFuture<Void> start = gate == null ? CompletableFuture.completedFuture(null) : gate;
      return start.thenApplyAsync(ignored -> resolve(mine), executor);
    }

    private Void resolve(List<Write> mine) {
      Runnable hook = beforeCommit.poll();
      if (hook != null) {
        hook.run();
      }
      CommitFault fault = commitFaults.poll();
      if (fault != null && !fault.applied()) {
        throw error(fault.code());
      }
      if (deferred != null) {
        throw deferred;
      }
      synchronized (data) {
        long rv = readVersion();
        if (fault == null && conflicts(rv)) {
          throw error(FdbErrors.NOT_COMMITTED);
        }
        version++;
        for (Write w : mine) {
          if (w.end() == null) {
            data.computeIfAbsent(w.key(), k -> new TreeMap<>()).put(version, w.value());
          } else {
            for (TreeMap<Long, byte[]> chain :
                data.subMap(w.key(), true, w.end(), false).values()) {
              chain.put(version, null);
            }
          }
        }
      }
      if (fault != null) {
        throw error(fault.code());
      }
      return null;
    }

    private boolean conflicts(long rv) {
      List<byte[]> keys;
      List<byte[][]> ranges;
      synchronized (this) {
        keys = List.copyOf(readKeys);
        ranges = List.copyOf(readRanges);
      }
      for (byte[] key : keys) {
        TreeMap<Long, byte[]> chain = data.get(key);
        if (chain != null && chain.lastKey() > rv) {
          return true;
        }
      }
      for (byte[][] r : ranges) {
        for (TreeMap<Long, byte[]> chain : data.subMap(r[0], true, r[1], false).values()) {
          if (chain.lastKey() > rv) {
            return true;
          }
        }
      }
      return false;
    }

    private void requireOpen() {
      if (closed) {
        throw new IllegalStateException("transaction used after close");
      }
    }
  }

  private byte[] valueAt(byte[] key, long at) {
    TreeMap<Long, byte[]> chain = data.get(key);
    if (chain == null) {
      return null;
    }
    Map.Entry<Long, byte[]> v = chain.floorEntry(at);
    return v == null ? null : v.getValue();
  }

  private static boolean isSystem(byte[] key) {
    return key.length > 0 && key[0] == (byte) 0xFF;
  }

  static FDBException error(int code) {
    return new FDBException(FdbErrors.name(code), code);
  }

  private static String signature(Method method) {
    return method.getName() + "/" + method.getParameterCount();
  }

  private static Object objectMethod(Object self, Method method, Object[] args) {
    return switch (signature(method)) {
      case "hashCode/0" -> System.identityHashCode(self);
      case "equals/1" -> self == args[0];
      case "toString/0" -> "FakeFdb." + method.getDeclaringClass().getSimpleName();
      default ->
          throw new UnsupportedOperationException("FakeFdb does not model " + method.getName());
    };
  }

  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return type.cast(
        Proxy.newProxyInstance(FakeFdb.class.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
