package io.fossil.kv.rocksdb;

import io.fossil.kv.KvException;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.nio.file.Path;

/**
 * A child process for the durability tests. {@code write DIR}: appends numbered keys forever,
 * printing each number once its write is acknowledged. {@code open DIR}: tries to open the store
 * and prints the error it gets.
 */
public final class WriterProcess {

  private WriterProcess() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    if (args[0].equals("open")) {
      try (RocksDbKvStore store = RocksDbKvStore.open(dir)) {
        System.out.println("OPENED " + store.limits());
      } catch (KvException e) {
        System.out.println("REFUSED " + e.getMessage());
      }
      System.out.flush();
      return;
    }
    RocksDbKvStore store = RocksDbKvStore.open(dir);
    for (long i = 0; ; i++) {
      WriteOutcome outcome =
          store
              .write(WriteBatch.builder().put(TupleKey.of("acked", i), new byte[100]).build())
              .get();
      if (!(outcome instanceof WriteOutcome.Committed)) {
        throw new IllegalStateException("unexpected " + outcome);
      }
      System.out.println(i);
      System.out.flush();
    }
  }
}
