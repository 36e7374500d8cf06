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
}
