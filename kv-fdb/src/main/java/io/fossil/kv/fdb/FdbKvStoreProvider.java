package io.fossil.kv.fdb;

import io.fossil.kv.KvException;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStoreProvider;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The {@code fdb:} backend: {@code fdb:/etc/foundationdb/fdb.cluster?prefix=fossil} (see {@link
 * FdbStoreConfig} for every option). Needs the FoundationDB client library libfdb_c 7.3 on the
 * machine; without it {@link #open} fails with a {@link KvException} that says what to install.
 * Experimental until the conformance suite has run against a real cluster (ADR 0006).
 */
public final class FdbKvStoreProvider implements KvStoreProvider {

  @Override
  public String scheme() {
    return FdbStoreConfig.SCHEME;
  }

  /**
   * Opens a handle; handles on the same cluster file share one FoundationDB database connection.
   *
   * @throws IllegalArgumentException if the URI is malformed (checked before anything is loaded)
   * @throws KvException if libfdb_c is missing, the cluster file cannot be read, or the client
   *     refuses to open the database
   */
  @Override
  public KvStore open(String uri) {
    FdbStoreConfig config = FdbStoreConfig.parse(uri);
    FdbKvStore store = open(config);
    // Until the conformance suite has run against a real cluster (docs/foundationdb.md).
    System.getLogger(FdbKvStoreProvider.class.getName())
        .log(
            System.Logger.Level.WARNING,
            "the FoundationDB backend is experimental: its conformance suite has not yet run"
                + " against a real cluster; see docs/foundationdb.md");
    return store;
  }

  static FdbKvStore open(FdbStoreConfig config) {
    // The missing library first: it is the more fundamental problem, and the message says how to
    // fix it.
    FdbRuntime.availability()
        .ifPresent(
            reason -> {
              throw new KvException(reason);
            });
    config.clusterFile().ifPresent(FdbKvStoreProvider::requireReadable);
    FdbRuntime.Lease lease = FdbRuntime.open(config.clusterFile());
    try {
      return new FdbKvStore(
          lease.database(),
          lease.executor(),
          config,
          FdbRetryLoop.standard(config.operationTimeout(), lease.executor()),
          lease.release());
    } catch (RuntimeException e) {
      lease.release().run();
      throw e;
    }
  }

  private static void requireReadable(String clusterFile) {
    boolean readable;
    try {
      readable = Files.isReadable(Path.of(clusterFile));
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("'" + clusterFile + "' is not a valid file path", e);
    }
    if (!readable) {
      throw new KvException(
          "FoundationDB cluster file "
              + clusterFile
              + " does not exist or is not readable; on a FoundationDB server it is usually"
              + " /etc/foundationdb/fdb.cluster");
    }
  }
}
