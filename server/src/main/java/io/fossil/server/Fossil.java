package io.fossil.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
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
      ClientCommands.Append.class,
      ClientCommands.Read.class,
      ClientCommands.Tail.class,
      ClientCommands.Cluster.class
    })
public final class Fossil implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine(args).execute(args));
  }

  static CommandLine commandLine(String[] args) {
    CommandLine cli = new CommandLine(new Fossil());
    cli.setDefaultValueProvider(new Defaults(configFile(args)));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }

  /**
   * {@code --config FILE} or {@code --config=FILE} anywhere in the arguments, else $FOSSIL_CONFIG.
   */
  private static Path configFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    String env = System.getenv("FOSSIL_CONFIG");
    return env == null || env.isEmpty() ? null : Path.of(env);
  }

  /** Environment variables first, then the configuration file. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    private final Properties file = new Properties();

    Defaults(Path path) {
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
      if (!(arg instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
        return null;
      }
      String name = option.longestName().substring(2);
      if (name.equals("config") || name.equals("help") || name.equals("version")) {
        return null;
      }
      String env = System.getenv("FOSSIL_" + name.replace('-', '_').toUpperCase(Locale.ROOT));
      if (env != null && !env.isEmpty()) {
        return env;
      }
      return file.getProperty(name);
    }
  }
}
