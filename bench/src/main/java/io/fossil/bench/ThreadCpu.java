package io.fossil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads, read from Linux's {@code /proc/self/task}, grouped by thread
 * name with digits dropped (so RocksDB's compaction threads {@code rocksdb:low0..n} add up). Empty
 * where there is no {@code /proc}.
 */
final class ThreadCpu {

  /** Clock ticks per second of {@code /proc/.../stat}; 100 on every Linux we run on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private final Map<String, Long> ticksByTask;

  private ThreadCpu(Map<String, Long> ticksByTask) {
    this.ticksByTask = ticksByTask;
  }

  static ThreadCpu now() {
    Map<String, Long> ticks = new HashMap<>();
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return new ThreadCpu(ticks);
    }
    try (Stream<Path> list = Files.list(tasks)) {
      for (Path task : list.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          // The name sits in parentheses and may hold spaces; utime and stime follow it.
          int close = stat.lastIndexOf(')');
          String name = stat.substring(stat.indexOf('(') + 1, close);
          String[] f = stat.substring(close + 2).split(" ");
          long used = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          ticks.put(task.getFileName() + "/" + name, used);
        } catch (IOException | RuntimeException e) {
          // The thread ended between listing and reading.
        }
      }
    } catch (IOException e) {
      return new ThreadCpu(ticks);
    }
    return new ThreadCpu(ticks);
  }

  /**
   * Cores used per thread group between {@code before} and this snapshot over {@code seconds}, the
   * busiest first, groups under 0.05 cores left out; e.g. {@code "rocksdb:low 0.61, ..."}.
   */
  String coresSince(ThreadCpu before, double seconds) {
    Map<String, Long> byGroup = new TreeMap<>();
    ticksByTask.forEach(
        (task, ticks) -> {
          long delta = ticks - before.ticksByTask.getOrDefault(task, 0L);
          String group = task.substring(task.indexOf('/') + 1).replaceAll("[0-9]+", "");
          byGroup.merge(group, delta, Long::sum);
        });
    return byGroup.entrySet().stream()
        .filter(e -> e.getValue() / TICKS_PER_SECOND / seconds >= 0.05)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(
            e ->
                String.format(
                    Locale.ROOT, "%s %.2f", e.getKey(), e.getValue() / TICKS_PER_SECOND / seconds))
        .collect(Collectors.joining(", "));
  }
}
