package io.fossil.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code fossil} command. Every option can also come from an environment variable ({@code
 * --http-port} → {@code FOSSIL_HTTP_PORT}) or from a properties file named by {@code FOSSIL_CONFIG}
 * or {@code --config FILE} ({@code http-port=8081}); flags win over the environment, which wins
 * over the file.
 */
@Command(
    name = "fossil",
    mixinStandardHelpOptions = true,
    version = "fossil 0.1.0-SNAPSHOT",
    description = "Fossil, a horizontally scalable event store.",
    subcommands = {
      NodeCommand.class,
      DevCommand.class,
      CertsCommand.class,
      ClientCommands.Append.class,
      ClientCommands.Read.class,
      ClientCommands.Tail.class,
      ClientCommands.Cluster.class,
      VotersCommand.class
    })
public final class Fossil implements Runnable {

  /** Names the configuration file when {@code --config} does not. */
  public static final String CONFIG_ENVIRONMENT = "FOSSIL_CONFIG";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    refuseClientRenegotiation();
    System.exit(commandLine(args).execute(args));
  }

  /**
   * A TLS 1.2 client may not renegotiate (the JDK allows it by default): each renegotiation is a
   * full handshake the node pays for on a connection already counted and authenticated, so a loop
   * of them costs CPU outside the connection cap and the request rate. Read once, when the JDK's
   * TLS server first runs, so it is set before any listener starts. (TLS 1.3 and HTTP/2 have no
   * renegotiation.)
   */
  static void refuseClientRenegotiation() {
    System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
  }

  static CommandLine commandLine(String[] args) {
    return commandLine(configFile(args, System::getenv), System::getenv);
  }

  /**
   * The {@code fossil} command line with defaults from {@code environment} and {@code configFile}
   * (may be null), exactly as {@link #main} builds it from the process's. Parsing arguments with it
   * starts nothing, so a deployment can check the configuration it gives a node.
   */
  public static CommandLine commandLine(Path configFile, Function<String, String> environment) {
    CommandLine cli = new CommandLine(new Fossil());
    cli.setDefaultValueProvider(new Defaults(configFile, environment));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(Fossil::clientError);
    return cli;
  }

  /**
   * A client command that fails (bad JSON, a node that is down) says so in one line; a server
   * command's failure keeps its stack trace, which whoever runs the node will want.
   */
  private static int clientError(Exception e, CommandLine command, CommandLine.ParseResult parsed)
      throws Exception {
    if (!(command.getCommand() instanceof ClientCommands.Base)) {
      throw e;
    }
    String message = e.getMessage() == null || e.getMessage().isBlank() ? "" : e.getMessage();
    if (e instanceof java.net.ConnectException || e instanceof java.net.http.HttpTimeoutException) {
      message = "cannot reach the node (" + e + "); is it running, and is --url right?";
    }
    command
        .getErr()
        .println("fossil " + command.getCommandName() + ": " + (message.isEmpty() ? e : message));
    return 1;
  }

  /**
   * The environment variable that sets {@code option} ({@code --http-port} → {@code
   * FOSSIL_HTTP_PORT}); empty for options that none sets ({@code --config}, {@code --help}).
   */
  public static Optional<String> environmentVariable(ArgSpec option) {
    if (!(option instanceof OptionSpec o) || !o.longestName().startsWith("--")) {
      return Optional.empty();
    }
    String name = o.longestName().substring(2);
    if (name.equals("config") || name.equals("help") || name.equals("version")) {
      return Optional.empty();
    }
    return Optional.of("FOSSIL_" + name.replace('-', '_').toUpperCase(Locale.ROOT));
  }

  /**
   * {@code --config FILE} or {@code --config=FILE} anywhere in the arguments, else $FOSSIL_CONFIG.
   */
  private static Path configFile(String[] args, Function<String, String> environment) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    String env = environment.apply(CONFIG_ENVIRONMENT);
    return env == null || env.isEmpty() ? null : Path.of(env);
  }

  /** Environment variables first, then the configuration file. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    private final Properties file = new Properties();
    private final Function<String, String> environment;

    Defaults(Path path, Function<String, String> environment) {
      this.environment = environment;
      if (path != null) {
        if (!Files.isReadable(path)) {
          throw new CommandLine.ParameterException(
              new CommandLine(new Fossil()), "configuration file " + path + " cannot be read");
        }
        try (InputStream in = Files.newInputStream(path)) {
          file.load(in);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read configuration file " + path, e);
        }
      }
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (arg.command() != null
          && (arg.command().userObject() instanceof ClientCommands.Base
              || arg.command().userObject() instanceof CertsCommand.Step)
          && !(arg instanceof OptionSpec o && o.longestName().equals("--url"))) {
        // FOSSIL_ID or an id in the node's config file must not become every client append's id.
        return null;
      }
      Optional<String> variable = environmentVariable(arg);
      if (variable.isEmpty()) {
        return null;
      }
      String env = environment.apply(variable.get());
      if (env != null && !env.isEmpty()) {
        return env;
      }
      return file.getProperty(((OptionSpec) arg).longestName().substring(2));
    }
  }
}
