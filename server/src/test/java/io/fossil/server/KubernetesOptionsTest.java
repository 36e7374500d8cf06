package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code fossil node --kubernetes} as the process sees it: options parsed from flags and {@code
 * FOSSIL_*} variables by the real command line, then completed from the pod's variables.
 */
class KubernetesOptionsTest {

  private final Map<String, String> env =
      new HashMap<>(
          Map.of(
              "FOSSIL_KUBERNETES", "true",
              "FOSSIL_STORE", "etcd://etcd:2379/fossil",
              "POD_NAME", "fossil-1",
              "POD_NAMESPACE", "events",
              "POD_IP", "10.4.0.9"));

  @Test
  void aVoterPodDerivesItsIdVotersAddressAndBindAddress() {
    NodeCommand node = parse();

    assertThat(node.nodeId).isEqualTo("fossil-1");
    assertThat(node.voters)
        .isEqualTo(
            "fossil-0=fossil-0.fossil-headless.events.svc.cluster.local:7081,"
                + "fossil-1=fossil-1.fossil-headless.events.svc.cluster.local:7081,"
                + "fossil-2=fossil-2.fossil-headless.events.svc.cluster.local:7081");
    assertThat(node.advertise).isEqualTo("fossil-1.fossil-headless.events.svc.cluster.local:8081");
    assertThat(node.httpHost).isEqualTo("10.4.0.9");
  }

  @Test
  void podsAfterTheVotersJoinAsWritersOfTheSameGroup() {
    env.put("POD_NAME", "fossil-3");

    NodeCommand node = parse();

    assertThat(node.nodeId).isEqualTo("fossil-3");
    assertThat(node.voters).doesNotContain("fossil-3=").contains("fossil-2=");
    assertThat(node.advertise).startsWith("fossil-3.fossil-headless.events.svc.");
  }

  @Test
  void theEnvironmentSetsVotersServicePortsAndDomain() {
    env.putAll(
        Map.of(
            "FOSSIL_KUBERNETES_VOTERS", "1",
            "FOSSIL_KUBERNETES_SERVICE", "peers",
            "FOSSIL_KUBERNETES_RAFT_PORT", "9000",
            "FOSSIL_KUBERNETES_CLUSTER_DOMAIN", "corp.example",
            "FOSSIL_HTTP_PORT", "8090"));

    NodeCommand node = parse();

    assertThat(node.voters).isEqualTo("fossil-0=fossil-0.peers.events.svc.corp.example:9000");
    assertThat(node.advertise).isEqualTo("fossil-1.peers.events.svc.corp.example:8090");
  }

  @Test
  void explicitFlagsAndVariablesWinOverDerivedValues() {
    env.put("FOSSIL_ADVERTISE", "fossil.example.com:443");

    NodeCommand node =
        parse("--node-id", "n7", "--voters", "n7=10.0.0.1:7081", "--http-host", "0.0.0.0");

    assertThat(node.nodeId).isEqualTo("n7");
    assertThat(node.voters).isEqualTo("n7=10.0.0.1:7081");
    assertThat(node.advertise).isEqualTo("fossil.example.com:443");
    assertThat(node.httpHost).isEqualTo("0.0.0.0");
  }

  @Test
  void withoutKubernetesNothingIsDerivedAndTheNodeIdIsRequired() {
    env.remove("FOSSIL_KUBERNETES");

    assertThatThrownBy(this::parse)
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--node-id");
    NodeCommand node = parse("--node-id", "n1");
    assertThat(node.voters).isNull();
    assertThat(node.advertise).isNull();
    assertThat(node.httpHost).isEqualTo("0.0.0.0");
  }

  @Test
  void aMissingPodVariableStopsTheNodeWithItsName() {
    env.remove("POD_IP");
    assertThatThrownBy(this::parse)
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--kubernetes: POD_IP is not set");

    env.put("POD_NAME", "fossil");
    assertThatThrownBy(this::parse)
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("pod name 'fossil'");
  }

  @Test
  void anExplicitBindAddressNeedsNoPodIp() {
    env.remove("POD_IP");

    assertThat(parse("--http-host", "0.0.0.0").httpHost).isEqualTo("0.0.0.0");
  }

  private NodeCommand parse(String... flags) {
    CommandLine cli = Fossil.commandLine(null, env::get);
    String[] args = new String[flags.length + 1];
    args[0] = "node";
    System.arraycopy(flags, 0, args, 1, flags.length);
    cli.parseArgs(args);
    NodeCommand node = cli.getSubcommands().get("node").getCommand();
    node.completeAddressing(env::get);
    return node;
  }
}
