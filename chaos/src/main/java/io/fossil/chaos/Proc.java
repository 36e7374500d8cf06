package io.fossil.chaos;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A child process the suite starts and attacks with signals. Its output goes to a log file. */
final class Proc {

  private final String name;
  private final Process process;

  private Proc(String name, Process process) {
    this.name = name;
    this.process = process;
  }

  /** Starts {@code command}, appending its output to {@code log}. */
  static Proc start(String name, List<String> command, Map<String, String> env, Path log) {
    try {
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      Proc p = new Proc(name, pb.start());
      Runtime.getRuntime().addShutdownHook(new Thread(p.process::destroyForcibly));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + ": " + command, e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** kill -9, and wait until it is gone. */
  void kill() {
    resume();
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + pid() + ") survived SIGKILL for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGSTOP: the process keeps its sockets but runs nothing. */
  void pause() {
    signal("STOP");
  }

  /** SIGCONT. */
  void resume() {
    if (process.isAlive()) {
      signal("CONT");
    }
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An executable on PATH (or in /usr/sbin, /sbin, /usr/bin), or empty. */
  static Optional<Path> which(String program) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Stream.concat(
            Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program)),
            Stream.of("/usr/sbin", "/sbin", "/usr/bin", "/usr/local/bin")
                .map(dir -> Path.of(dir, program)))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** Runs a short command to completion; throws with its output if it fails. */
  static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
