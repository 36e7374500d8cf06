package io.fossil.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault suite's short mode, as CI runs it: three node processes on a real etcd, every phase in
 * turn, then a random mix; the run fails on any safety violation or a stream that stays unwritable
 * after healing. The seed is printed; {@code CHAOS_SEED} replays one.
 */
class ChaosIT {

  @BeforeAll
  static void prerequisites() {
    Prerequisites.requireEtcd();
  }

  @Test
  @Timeout(value = 12, unit = java.util.concurrent.TimeUnit.MINUTES)
  void nothingAcknowledgedIsLostUnderFaults() throws Exception {
    String seed =
        System.getenv().getOrDefault("CHAOS_SEED", Long.toString(new Random().nextLong()));
    Chaos.Result result =
        Chaos.configure(
                "--seed=" + seed,
                "--phase-seconds=12",
                "--mix-seconds=24",
                "--dir=" + Prerequisites.dir(),
                "--fossil-jar=" + Prerequisites.fossilJar())
            .run();
    assertThat(result.lines())
        .as("one line per phase and a total")
        .hasSize(Fault.values().length + 2);
    if ("true".equalsIgnoreCase(System.getenv("FOSSIL_REQUIRE_PARTITIONS"))) {
      // CI installed what every phase needs (ip, iptables, libfaketime): none may be skipped.
      assertThat(result.lines()).noneMatch(l -> l.contains("SKIPPED"));
    }
    assertThat(result.report().acknowledged()).as("appends acknowledged").isGreaterThan(1_000);
    assertThat(result.report().examples()).as("violations (seed " + seed + ")").isEmpty();
    assertThat(result.report().violations()).as("safety (seed " + seed + ")").isZero();
    // Liveness is reported (LIVENESS and NODE STUCK lines, the TOTAL line) but does not fail CI:
    // a node that stops following placement after a long pause is an open bug (#8's notes,
    // docs/reliability.md), and CI must not flip on it. The long mode exits non-zero on it.
  }
}
