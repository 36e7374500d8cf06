package io.fossil.kv.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvException;
import io.fossil.kv.KvStores;
import io.fossil.kv.TupleKey;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbDurabilityTest {

  @TempDir Path dir;

  @Test
  void everyAcknowledgedWriteSurvivesCloseAndReopen() throws Exception {
    int count = 2_000;
    try (RocksDbKvStore store = RocksDbKvStore.open(dir)) {
      List<CompletableFuture<WriteOutcome>> writes = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        writes.add(
            store.write(
                WriteBatch.builder()
                    .requireAbsent(TupleKey.of("k", i))
                    .put(TupleKey.of("k", i), TupleKey.of(i))
                    .build()));
      }
      for (CompletableFuture<WriteOutcome> w : writes) {
        assertThat(w.get(30, TimeUnit.SECONDS)).isInstanceOf(WriteOutcome.Committed.class);
      }
    }
    try (RocksDbKvStore reopened = RocksDbKvStore.open(dir)) {
      for (int i = 0; i < count; i++) {
        assertThat(reopened.get(TupleKey.of("k", i)).get()).contains(TupleKey.of(i));
      }
    }
  }

  @Test
  void acknowledgedWritesSurviveKillMinusNine() throws Exception {
    Process child = java("write", dir);
    long lastAcked = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (lastAcked < 300 && (line = out.readLine()) != null) {
        lastAcked = Long.parseLong(line.trim());
      }
      child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close, no flush
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(lastAcked).as("the child acknowledged writes").isGreaterThanOrEqualTo(300);
    try (RocksDbKvStore reopened = RocksDbKvStore.open(dir)) {
      for (long i = 0; i <= lastAcked; i++) {
        assertThat(reopened.get(TupleKey.of("acked", i)).get()).as("acked write %d", i).isPresent();
      }
    }
  }

  @Test
  void aSecondProcessIsRefusedWithAnExplanation() throws Exception {
    try (RocksDbKvStore held = RocksDbKvStore.open(dir)) {
      Process child = java("open", dir);
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(output)
          .startsWith("REFUSED")
          .contains("in use by another process")
          .contains("etcd");
      assertThat(held.get(new byte[] {1}).get()).isEmpty();
    }
  }

  @Test
  void concurrentWritersShareSyncedLogWrites() throws Exception {
    try (RocksDbKvStore store = RocksDbKvStore.open(dir)) {
      long writesBefore = store.committerStats().diskWrites();
      long batchesBefore = store.committerStats().batchesCommitted();
      List<CompletableFuture<WriteOutcome>> inFlight = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        inFlight.add(
            store.write(WriteBatch.builder().put(TupleKey.of("g", i), new byte[64]).build()));
      }
      for (CompletableFuture<WriteOutcome> w : inFlight) {
        assertThat(w.get(30, TimeUnit.SECONDS)).isInstanceOf(WriteOutcome.Committed.class);
      }
      long batches = store.committerStats().batchesCommitted() - batchesBefore;
      long syncs = store.committerStats().diskWrites() - writesBefore;
      assertThat(batches).isEqualTo(2_000);
      // 2,000 batches queued at once cannot each have paid for an fsync of their own.
      assertThat(syncs).isLessThan(batches / 4);
    }
  }

  @Test
  void uriOptionsAreRefusedWithAnExample() {
    assertThatThrownBy(() -> KvStores.open("rocksdb:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rocksdb:/var/lib/fossil");
    assertThatThrownBy(() -> KvStores.open("rocksdb:/tmp/x?sync=false"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnusableDirectoryIsReportedClearly() throws Exception {
    Path file = dir.resolve("a-file");
    java.nio.file.Files.writeString(file, "x");
    assertThatThrownBy(() -> RocksDbKvStore.open(file.resolve("sub")))
        .isInstanceOf(KvException.class)
        .hasMessageContaining("cannot create the store directory");
  }

  private static Process java(String mode, Path dir) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            WriterProcess.class.getName(),
            mode,
            dir.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }
}
