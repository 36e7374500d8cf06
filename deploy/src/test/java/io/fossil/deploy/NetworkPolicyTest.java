package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * In every overlay, one NetworkPolicy selects the StatefulSet's pods and admits the Raft port and
 * the admin port (/admin/*, /metrics) from those pods only, while the HTTP port stays open to
 * clients. Ports are resolved against the container as Kubernetes resolves them (a name is a
 * container port's name), and the ports are the ones the node really uses ({@link NodeInPod}).
 */
class NetworkPolicyTest {

  static Stream<String> overlays() {
    return Repository.OVERLAYS.stream();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void onlyTheStatefulSetsPodsReachTheRaftAndAdminPorts(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    NetworkPolicy policy = policyFor(r);
    NodeInPod node = new NodeInPod(r, 0);
    Container container = r.node();
    int raft = node.value("--kubernetes-raft-port");
    int admin =
        node.has(NodeInPod.ADMIN_PORT)
            ? node.value(NodeInPod.ADMIN_PORT)
            : Rendering.containerPort(container, "admin");

    assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
    for (int port : List.of(raft, admin)) {
      List<NetworkPolicyIngressRule> rules = admitting(policy, container, port);
      assertThat(rules)
          .as("%s: port %d is reachable by the other nodes", overlay, port)
          .isNotEmpty();
      for (NetworkPolicyIngressRule rule : rules) {
        assertThat(rule.getFrom())
            .as("%s: a rule admitting port %d names who may come", overlay, port)
            .isNotEmpty();
        for (NetworkPolicyPeer peer : rule.getFrom()) {
          assertOnlyTheStatefulSetsPods(r, peer, overlay + ": port " + port);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void clientsReachTheHttpPortFromAnywhere(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    int http = new NodeInPod(r, 0).value("--http-port");

    assertThat(admitting(policyFor(r), r.node(), http))
        .as("%s: port %d", overlay, http)
        .anySatisfy(rule -> assertThat(rule.getFrom()).isNullOrEmpty());
  }

  @Test
  void theCheckSeesAPolicyThatLetsEveryPodOrAnotherNamespaceIn() {
    Rendering r = RenderedOverlaysTest.rendered("etcd");
    NetworkPolicyPeer everyPod =
        new NetworkPolicyPeer(null, null, new LabelSelector(null, Map.of()));
    NetworkPolicyPeer otherNamespace =
        new NetworkPolicyPeer(
            null, new LabelSelector(null, Map.of("team", "x")), selector(r.podLabels()));

    for (NetworkPolicyPeer peer : List.of(everyPod, otherNamespace)) {
      assertThatThrownBy(() -> assertOnlyTheStatefulSetsPods(r, peer, "test"))
          .isInstanceOf(AssertionError.class);
    }
  }

  /** The one policy that selects the StatefulSet's pods (policies add up, so only one may). */
  private static NetworkPolicy policyFor(Rendering r) {
    Map<String, String> labels = r.podLabels();
    List<NetworkPolicy> selecting =
        r.all(NetworkPolicy.class).stream()
            .filter(p -> selects(p.getSpec().getPodSelector(), labels))
            .toList();
    assertThat(selecting).as("%s: NetworkPolicies selecting the pods", r.name()).hasSize(1);
    return selecting.get(0);
  }

  /** A peer admits exactly the pods the StatefulSet's selector selects, in its own namespace. */
  private static void assertOnlyTheStatefulSetsPods(
      Rendering r, NetworkPolicyPeer peer, String what) {
    assertThat(peer.getIpBlock()).as("%s: no address block", what).isNull();
    assertThat(peer.getNamespaceSelector()).as("%s: no other namespace", what).isNull();
    LabelSelector from = peer.getPodSelector();
    assertThat(from).as("%s: a pod selector", what).isNotNull();
    assertThat(from.getMatchExpressions()).as(what).isNullOrEmpty();
    assertThat(from.getMatchLabels())
        .as("%s: selects no pod the StatefulSet's selector does not", what)
        .isNotNull()
        .containsAllEntriesOf(r.statefulSet().getSpec().getSelector().getMatchLabels());
    assertThat(r.podLabels())
        .as("%s: selects the StatefulSet's pods", what)
        .containsAllEntriesOf(from.getMatchLabels());
  }

  /** The rules of {@code policy} that admit TCP to container port {@code port}. */
  private static List<NetworkPolicyIngressRule> admitting(
      NetworkPolicy policy, Container container, int port) {
    List<NetworkPolicyIngressRule> ingress = policy.getSpec().getIngress();
    return ingress == null
        ? List.of()
        : ingress.stream().filter(rule -> admits(rule, container, port)).toList();
  }

  private static boolean admits(NetworkPolicyIngressRule rule, Container container, int port) {
    if (rule.getPorts() == null || rule.getPorts().isEmpty()) {
      return true; // every port
    }
    for (NetworkPolicyPort p : rule.getPorts()) {
      if (p.getProtocol() != null && !p.getProtocol().equals("TCP")) {
        continue;
      }
      IntOrString named = p.getPort();
      if (named == null) {
        return true;
      }
      int first = Rendering.containerPort(container, named);
      int last = p.getEndPort() != null ? p.getEndPort() : first;
      if (port >= first && port <= last) {
        return true;
      }
    }
    return false;
  }

  private static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    assertThat(selector.getMatchExpressions()).isNullOrEmpty();
    Map<String, String> match = selector.getMatchLabels();
    return match == null || labels.entrySet().containsAll(match.entrySet());
  }

  private static LabelSelector selector(Map<String, String> labels) {
    return new LabelSelector(null, labels);
  }
}
