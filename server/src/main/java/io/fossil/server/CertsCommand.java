package io.fossil.server;

import io.fossil.security.CertificateAuthority;
import io.fossil.security.IssuedCertificate;
import io.fossil.security.PemFiles;
import io.fossil.security.Principal;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fossil certs}: a cluster's CA, node and client certificates, and a token signing key, for
 * people without cert-manager (ADR 25). Files are written atomically, private keys with mode 0600;
 * the CA and the token key are never replaced without {@code --force}. Exit codes: 0 done, 1 the
 * work failed (no CA yet, a file exists, a file cannot be written), 2 bad options.
 */
@Command(
    name = "certs",
    mixinStandardHelpOptions = true,
    description = {
      "Creates a cluster's CA, node and client certificates, and token signing keys.",
      "Start with: fossil certs ca --dir DIR"
    },
    subcommands = {
      CertsCommand.Ca.class,
      CertsCommand.NodeCertificate.class,
      CertsCommand.ClientCertificate.class,
      TokenCommands.Key.class,
      TokenCommands.Token.class
    })
final class CertsCommand implements Runnable {

  static final String CA_CERT = "ca.crt";
  static final String CA_KEY = "ca.key";

  /** What a node or client name must look like to become a default directory name. */
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "name what to create: ca, node, client, token-key or token");
  }

  /** A work failure: printed as one line, exit code 1. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * What every {@code certs} subcommand shares: {@code --dir}, one-line errors, progress lines. The
   * environment and the configuration file set none of their options (see {@link Fossil}): a node's
   * {@code FOSSIL_ID} must not become the id of a certificate issued on its machine.
   */
  abstract static class Step implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "DIR",
        description = "the directory that holds the CA (ca.crt, ca.key) and the token key")
    Path dir;

    Clock clock = Clock.systemUTC();

    @Override
    public final Integer call() {
      try {
        work();
        return 0;
      } catch (Failure e) {
        err().println("fossil certs " + spec.name() + ": " + e.getMessage());
      } catch (NoSuchFileException e) {
        err()
            .println("fossil certs " + spec.name() + ": no such file or directory: " + e.getFile());
      } catch (AccessDeniedException e) {
        err().println("fossil certs " + spec.name() + ": permission denied: " + e.getFile());
      } catch (IOException | GeneralSecurityException e) {
        err().println("fossil certs " + spec.name() + ": " + e);
      }
      return 1;
    }

    abstract void work() throws Failure, IOException, GeneralSecurityException;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    CommandLine.ParameterException usage(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Refuses a name no principal can have, before anything is written. */
    String principalName(String name, String option) {
      try {
        Principal.client(name);
        return name;
      } catch (IllegalArgumentException e) {
        throw usage(option + ": " + e.getMessage());
      }
    }

    /** Prints {@code wrote FILE (what)}, and flushes so that a progress line is seen at once. */
    void wrote(Path file, String what) {
      out().println("wrote " + file + " (" + what + ")");
      out().flush();
    }

    /** The CA of {@code --dir}, or a failure naming {@code fossil certs ca}. */
    CertificateAuthority authority() throws Failure, IOException, GeneralSecurityException {
      Path cert = dir.resolve(CA_CERT);
      Path key = dir.resolve(CA_KEY);
      if (!Files.exists(cert) || !Files.exists(key)) {
        throw new Failure(
            "no CA in "
                + dir
                + " ("
                + CA_CERT
                + " and "
                + CA_KEY
                + "); create one first with: fossil certs ca --dir "
                + dir);
      }
      return CertificateAuthority.load(cert, key, clock);
    }

    /** {@code --days} as a validity, between 1 day and 100 years. */
    Duration days(int days) {
      if (days < 1 || days > 36_500) {
        throw usage("--days must be between 1 and 36500, was " + days);
      }
      return Duration.ofDays(days);
    }

    /** {@code --out}, else {@code DIR/kind/name}, which needs a name fit for a directory. */
    Path outputDirectory(Path given, String kind, String name) {
      if (given != null) {
        return given;
      }
      if (!FILE_NAME.matcher(name).matches()) {
        throw usage("'" + name + "' cannot name a directory: give --out");
      }
      return dir.resolve(kind).resolve(name);
    }

    /** Writes the certificate files cert-manager writes: tls.crt, tls.key (0600) and ca.crt. */
    void writeTlsFiles(IssuedCertificate issued, CertificateAuthority ca, Path out)
        throws IOException {
      Path crt = out.resolve("tls.crt");
      Path key = out.resolve("tls.key");
      Path caCrt = out.resolve(CA_CERT);
      issued.write(crt, key);
      wrote(crt, "the certificate chain, leaf first");
      wrote(key, "its private key, mode 0600");
      PemFiles.writeCertificates(caCrt, List.of(ca.certificate()));
      wrote(caCrt, "the CA certificate to trust");
    }
  }

  @Command(
      name = "ca",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a cluster's CA (DIR/ca.crt, DIR/ca.key).",
        "Give DIR/ca.crt to every node and client; DIR/ca.key (mode 0600) stays off the nodes.",
        "Refuses to replace an existing CA without --force."
      })
  static final class Ca extends Step {
    @Option(
        names = "--name",
        description = "the cluster's name, in the CA's subject (default: ${DEFAULT-VALUE})")
    String name = "fossil";

    @Option(names = "--days", description = "validity in days (default: ${DEFAULT-VALUE})")
    int days = 3650;

    @Option(
        names = "--force",
        description = "replace an existing CA: every certificate it issued stops being trusted")
    boolean force;

    @Override
    void work() throws Failure, IOException, GeneralSecurityException {
      Duration validity = days(days);
      if (name.isBlank()) {
        throw usage("--name must not be blank");
      }
      Path cert = dir.resolve(CA_CERT);
      Path key = dir.resolve(CA_KEY);
      if (!force && (Files.exists(cert) || Files.exists(key))) {
        throw new Failure(
            (Files.exists(cert) ? cert : key)
                + " exists: a new CA would stop the nodes and clients from trusting every"
                + " certificate the old one issued; give --force to replace it");
      }
      CertificateAuthority ca = CertificateAuthority.create(name, validity, clock);
      ca.write(cert, key);
      wrote(cert, "the CA certificate: every node and client trusts it");
      wrote(key, "the CA's private key, mode 0600: keep it off the nodes");
    }
  }

  @Command(
      name = "node",
      mixinStandardHelpOptions = true,
      description = {
        "Issues a node certificate from DIR's CA (OUT/tls.crt, tls.key, ca.crt).",
        "It names urn:fossil:node:ID and every --host; the files are those cert-manager writes,",
        "the key with mode 0600.",
        "Run again to rotate: the node picks up the new files without a restart."
      })
  static final class NodeCertificate extends Step {
    @Option(
        names = "--id",
        required = true,
        paramLabel = "ID",
        description = "the node's id (fossil node --node-id)")
    String id;

    @Option(
        names = "--host",
        required = true,
        paramLabel = "HOST",
        split = ",",
        description =
            "a DNS name or IP address that peers and clients dial; repeatable or comma-separated")
    List<String> hosts;

    @Option(names = "--days", description = "validity in days (default: ${DEFAULT-VALUE})")
    int days = 365;

    @Option(
        names = "--out",
        paramLabel = "OUT",
        description = "output directory (default: DIR/nodes/ID)")
    Path out;

    @Override
    void work() throws Failure, IOException, GeneralSecurityException {
      Duration validity = days(days);
      SubjectNames names;
      try {
        names = SubjectNames.of(hosts);
      } catch (IllegalArgumentException e) {
        throw usage("--host " + e.getMessage());
      }
      Path target = outputDirectory(out, "nodes", principalName(id, "--id"));
      CertificateAuthority ca = authority();
      writeTlsFiles(ca.issueNode(id, names.dnsNames(), names.addresses(), validity), ca, target);
      out()
          .println(
              "run: fossil node --node-id "
                  + id
                  + " --tls-key "
                  + target.resolve("tls.key")
                  + " --tls-cert "
                  + target.resolve("tls.crt")
                  + " --tls-ca "
                  + target.resolve(CA_CERT)
                  + " ...");
    }
  }

  @Command(
      name = "client",
      mixinStandardHelpOptions = true,
      description = {
        "Issues a client certificate from DIR's CA (OUT/tls.crt, tls.key, ca.crt).",
        "It names urn:fossil:client:NAME, which the permissions file grants as client:NAME;",
        "the key has mode 0600."
      })
  static final class ClientCertificate extends Step {
    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description = "the client's name")
    String name;

    @Option(names = "--days", description = "validity in days (default: ${DEFAULT-VALUE})")
    int days = 365;

    @Option(
        names = "--out",
        paramLabel = "OUT",
        description = "output directory (default: DIR/clients/NAME)")
    Path out;

    @Override
    void work() throws Failure, IOException, GeneralSecurityException {
      Duration validity = days(days);
      Path target = outputDirectory(out, "clients", principalName(name, "--name"));
      CertificateAuthority ca = authority();
      writeTlsFiles(ca.issueClient(name, validity), ca, target);
      out().println("grant it in the permissions file as \"client:" + name + "\"");
    }
  }
}
