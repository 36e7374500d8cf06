package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code fossil node} refuses bad options before it starts anything, saying what is wrong. */
class NodeCommandTest {

  @Test
  void aCompactionShareOutsideZeroToOneIsRefusedWithTheFlagNamed() {
    for (String share : new String[] {"0", "-0.1", "1.5", "NaN"}) {
      StringWriter err = new StringWriter();
      int exit =
          new CommandLine(new NodeCommand())
              .setErr(new PrintWriter(err))
              .execute(
                  "--node-id=n1",
                  "--store=etcd://127.0.0.1:1/never-used",
                  "--voters=n1=127.0.0.1:1",
                  "--compaction-share=" + share);

      assertThat(exit).as(share).isEqualTo(2);
      assertThat(err.toString()).contains("--compaction-share must be above 0 and at most 1");
    }
  }

  @Test
  void aCompactionShareThatIsNotANumberIsRefusedByTheParser() {
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new NodeCommand())
            .setErr(new PrintWriter(err))
            .execute("--node-id=n1", "--compaction-share=half");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--compaction-share");
  }

  @Test
  void tlsNeedsAllThreeFilesAndIsNotInsecure() {
    String[][] cases = {
      {"--tls-key=/k.pem"},
      {"--tls-key=/k.pem", "--tls-cert=/c.pem"},
      {"--tls-cert=/c.pem", "--tls-ca=/ca.pem"},
      {"--tls-key=/k.pem", "--tls-cert=/c.pem", "--tls-ca=/ca.pem", "--insecure"}
    };
    for (String[] tls : cases) {
      StringWriter err = new StringWriter();
      String[] args = new String[3 + tls.length];
      args[0] = "--node-id=n1";
      args[1] = "--store=etcd://127.0.0.1:1/never-used";
      args[2] = "--voters=n1=127.0.0.1:1";
      System.arraycopy(tls, 0, args, 3, tls.length);
      int exit = new CommandLine(new NodeCommand()).setErr(new PrintWriter(err)).execute(args);

      assertThat(exit).as(String.join(" ", tls)).isEqualTo(2);
      assertThat(err.toString())
          .as(String.join(" ", tls))
          .contains("--tls-", "--insecure".equals(tls[tls.length - 1]) ? "--insecure" : "missing");
    }
  }

  @Test
  void withoutTlsAndAuthenticationANodeRefusesToStartAndNamesInsecure() {
    String err = refused();

    assertThat(err).contains("--insecure", "--tls-key", "--permissions");
  }

  @Test
  void securityOptionsThatDoNotFitTogetherAreRefusedWithTheFlagsNamed() {
    String tls = "--tls-key=/k.pem --tls-cert=/c.pem --tls-ca=/ca.pem";
    String[][] cases = {
      {tls, "--permissions"},
      {tls + " --permissions=/p.json --token-jwks=file:/j.json", "--token-issuer"},
      {"--permissions=/p.json", "need TLS"},
      {"--token-jwks=file:/j.json --token-issuer=i --token-audience=a", "need TLS"},
      {
        tls
            + " --permissions=/p.json --token-jwks=file:/j.json --token-issuer=i"
            + " --token-audience=a --token-algorithms=HS256",
        "HMAC"
      },
      {"--insecure --permissions=/p.json", "--insecure"},
    };
    for (String[] c : cases) {
      assertThat(refused(c[0].split(" "))).as(c[0]).contains(c[1]);
    }
  }

  /** Runs {@code fossil node} with {@code extra} options, asserts exit 2, returns its stderr. */
  private static String refused(String... extra) {
    StringWriter err = new StringWriter();
    String[] args = new String[3 + extra.length];
    args[0] = "--node-id=n1";
    args[1] = "--store=etcd://127.0.0.1:1/never-used";
    args[2] = "--voters=n1=127.0.0.1:1";
    System.arraycopy(extra, 0, args, 3, extra.length);
    int exit = new CommandLine(new NodeCommand()).setErr(new PrintWriter(err)).execute(args);
    assertThat(exit).as(String.join(" ", extra)).isEqualTo(2);
    return err.toString();
  }
}
