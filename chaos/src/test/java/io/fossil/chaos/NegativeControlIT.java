package io.fossil.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proof that the checker can fail: with the storage fence and the owner's lease check both switched
 * off, an owner cut off from the placement group keeps writing for its own clients into segments
 * its successors have sealed, and the suite must report it (events acknowledged but invisible to
 * cursor readers, commits after a seal). Runs on loopback, as root or not, so the partition goes
 * through the per-pair Raft proxies: CI covers that way of cutting here and the namespaces'
 * iptables in {@link ChaosIT}.
 */
class NegativeControlIT {

  @BeforeAll
  static void prerequisites() {
    Prerequisites.requireEtcd();
  }

  @Test
  @Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
  void withoutFencingAZombieOwnerLosesAcknowledgedEvents() throws Exception {
    Chaos.Result result =
        Chaos.configure(
                "--seed=7",
                "--faults=partition",
                "--loopback",
                "--phase-seconds=30",
                "--mix-seconds=0",
                "--unsafe-disable-fencing",
                "--drain-seconds=10", // its readers may never catch up: the data is broken
                "--dir=" + Prerequisites.dir(),
                "--fossil-jar=" + Prerequisites.fossilJar())
            .run();
    assertThat(result.passed()).isFalse();
    assertThat(result.report().staleOwnerCommits()).as("commits after a seal").isPositive();
    assertThat(result.report().lost()).as("acknowledged appends lost").isPositive();
  }
}
