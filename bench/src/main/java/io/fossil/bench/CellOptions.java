package io.fossil.bench;

import picocli.CommandLine.Option;

/** Options every benchmark shares: where to run and how long to measure each cell. */
final class CellOptions {

  @Option(
      names = "--store",
      description = "Store URI; default: rocksdb: in a fresh temporary directory.")
  String store;

  @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per cell.")
  int seconds;

  @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds per cell.")
  int warmup;
}
