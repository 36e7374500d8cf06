package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Voters and addresses of a StatefulSet's pods under its headless Service. */
class StatefulSetTopologyTest {

  private final StatefulSetTopology topology =
      new StatefulSetTopology("fossil", "fossil-headless", "prod", "cluster.local", 3, 7081, 8081);

  @Test
  void theFirstPodsAreTheVotersInOrdinalOrder() {
    assertThat(topology.voters())
        .containsExactly(
            java.util.Map.entry("fossil-0", "fossil-0.fossil-headless.prod.svc.cluster.local:7081"),
            java.util.Map.entry("fossil-1", "fossil-1.fossil-headless.prod.svc.cluster.local:7081"),
            java.util.Map.entry(
                "fossil-2", "fossil-2.fossil-headless.prod.svc.cluster.local:7081"));
    assertThat(topology.isVoter(0)).isTrue();
    assertThat(topology.isVoter(2)).isTrue();
    assertThat(topology.isVoter(3)).isFalse();
  }

  @Test
  void theVotersOptionHasTheFormOfDashDashVoters() {
    assertThat(topology.votersOption())
        .isEqualTo(
            "fossil-0=fossil-0.fossil-headless.prod.svc.cluster.local:7081,"
                + "fossil-1=fossil-1.fossil-headless.prod.svc.cluster.local:7081,"
                + "fossil-2=fossil-2.fossil-headless.prod.svc.cluster.local:7081");
  }

  @Test
  void aPodAdvertisesItsOwnDnsNameAndHttpPort() {
    assertThat(topology.advertise(4))
        .isEqualTo("fossil-4.fossil-headless.prod.svc.cluster.local:8081");
  }

  @Test
  void theHeadlessServiceIsNamedAfterTheStatefulSetByDefault() {
    assertThat(StatefulSetTopology.defaultService("fossil")).isEqualTo("fossil-headless");
  }

  @Test
  void valuesThatCannotFormANameOrAPortAreRefused() {
    assertThatThrownBy(
            () -> new StatefulSetTopology("fossil", "svc", "ns", "cluster.local", 0, 7081, 8081))
        .hasMessageContaining("at least 1 placement voter");
    assertThatThrownBy(
            () -> new StatefulSetTopology("fossil", "Svc", "ns", "cluster.local", 3, 7081, 8081))
        .hasMessageContaining("headless Service name 'Svc'");
    assertThatThrownBy(
            () -> new StatefulSetTopology("fossil", "svc", "ns", "cluster..local", 3, 7081, 8081))
        .hasMessageContaining("cluster domain");
    assertThatThrownBy(
            () -> new StatefulSetTopology("fossil", "svc", "ns", "cluster.local", 3, 0, 8081))
        .hasMessageContaining("Raft port");
    assertThatThrownBy(
            () -> new StatefulSetTopology("fossil", "svc", "ns", "cluster.local", 3, 7081, 70000))
        .hasMessageContaining("HTTP port");
  }
}
