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
    System.exit(
        new CommandLine(new BenchMain())
            .setExecutionExceptionHandler(
                (e, commandLine, parsed) -> {
                  // Bad input found while running (a store URI's options, say): its message, no
                  // stack trace.
                  if (!(e instanceof IllegalArgumentException)) {
                    throw e;
                  }
                  commandLine.getErr().println("fossil-bench: " + e.getMessage());
                  return CommandLine.ExitCode.USAGE;
                })
            .execute(args));
  }
}
