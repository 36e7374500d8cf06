package io.fossil.kv.fdb;

import com.apple.foundationdb.Database;
import com.apple.foundationdb.FDB;
import com.apple.foundationdb.FDBException;
import io.fossil.kv.KvException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The process-wide FoundationDB client. It selects API version {@value #API_VERSION} once, turning
 * a missing native library into a reason instead of a {@link LinkageError}, and shares one {@link
 * Database} per cluster file among the store handles that use it, closing it with the last one.
 *
 * <p>This is the only class that touches {@link FDB}'s static state: loading that class runs {@code
 * System.load} on the JNI glue, which needs libfdb_c. The client's network thread, once started,
 * runs until the JVM exits (FoundationDB cannot restart it). Thread-safe.
 */
final class FdbRuntime {

  static final int API_VERSION = 730;

  private static final Object LOCK = new Object();
  private static final Map<String, SharedDatabase> DATABASES = new HashMap<>();
  private static Optional<String> unavailable; // null until the first call; guarded by LOCK
  private static FDB fdb; // guarded by LOCK

  private FdbRuntime() {}

  /**
   * Empty when the FoundationDB client can be used in this JVM; otherwise why not, in words a
   * person can act on. Tries to load the library on the first call only.
   */
  static Optional<String> availability() {
    synchronized (LOCK) {
      if (unavailable == null) {
        unavailable = load();
      }
      return unavailable;
    }
  }

  private static Optional<String> load() {
    try {
      fdb = FDB.selectAPIVersion(API_VERSION);
      return Optional.empty();
    } catch (LinkageError e) {
      // UnsatisfiedLinkError the first time FDB's static initializer runs, NoClassDefFoundError
      // after that; either way libfdb_java could not be linked against libfdb_c.
      return Optional.of(
          "FoundationDB client library libfdb_c not found: install foundationdb-clients 7.3"
              + " (https://github.com/apple/foundationdb/releases) so that libfdb_c.so"
              + " (libfdb_c.dylib on macOS) is on the library path; the JVM said: "
              + e);
    } catch (FDBException e) {
      return Optional.of(
          "FoundationDB client library libfdb_c cannot serve API version "
              + API_VERSION
              + " ("
              + FdbErrors.describe(e)
              + "): install foundationdb-clients 7.3 or later");
    } catch (IllegalArgumentException e) {
      return Optional.of(
          "FoundationDB API version "
              + API_VERSION
              + " cannot be selected: another component of this JVM selected a different one ("
              + e.getMessage()
              + ")");
    }
  }

  /** A share of one {@link Database}; {@link #release} it exactly once (extra calls are no-ops). */
  record Lease(Database database, Executor executor, Runnable release) {}

  /**
   * Opens (or shares) the database of {@code clusterFile} (empty: the client's default).
   *
   * @throws KvException if the client library is unavailable or the database cannot be opened
   */
  static Lease open(Optional<String> clusterFile) {
    Optional<String> reason = availability();
    if (reason.isPresent()) {
      throw new KvException(reason.get());
    }
    synchronized (LOCK) {
      String key = clusterFile.orElse("");
      SharedDatabase shared = DATABASES.get(key);
      if (shared == null) {
        Database database;
        try {
          database = fdb.open(clusterFile.orElse(null), FDB.DEFAULT_EXECUTOR);
        } catch (RuntimeException e) { // FDBException (e.g. no_cluster_file_found), or worse
          throw new KvException(
              "cannot open the FoundationDB database of "
                  + clusterFile.map(f -> "cluster file " + f).orElse("the default cluster file")
                  + ": "
                  + FdbErrors.describe(e),
              e);
        }
        shared = new SharedDatabase(key, database);
        DATABASES.put(key, shared);
      }
      shared.handles++;
      SharedDatabase leased = shared;
      AtomicBoolean released = new AtomicBoolean();
      return new Lease(
          shared.database,
          FDB.DEFAULT_EXECUTOR,
          () -> {
            if (released.compareAndSet(false, true)) {
              release(leased);
            }
          });
    }
  }

  private static void release(SharedDatabase shared) {
    synchronized (LOCK) {
      if (--shared.handles > 0) {
        return;
      }
      DATABASES.remove(shared.key, shared);
    }
    shared.database.close();
  }

  private static final class SharedDatabase {
    final String key;
    final Database database;
    int handles; // guarded by LOCK

    SharedDatabase(String key, Database database) {
      this.key = key;
      this.database = database;
    }
  }
}
