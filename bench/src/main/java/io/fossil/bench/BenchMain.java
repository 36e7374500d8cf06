package io.fossil.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the benchmark jar; each benchmark is a subcommand. */
@Command(
    name = "fossil-bench",
    mixinStandardHelpOptions = true,
    description = "Fossil benchmarks. Results go to standard output as Markdown tables.",
    subcommands = {StorageBench.class, AppenderBench.class, HttpBench.class, ReaderBench.class})
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }
}
