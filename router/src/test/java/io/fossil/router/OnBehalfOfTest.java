package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.fossil.owner.SegmentAppender;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Fossil-On-Behalf-Of} from a node certificate is what forwarding sends with an append, and
 * nothing else: on any other route it would let whoever holds a node certificate (which the
 * permissions grant no reads) read every stream and rewrite every consumer's cursor as any
 * principal it names. Real handshakes with a node certificate from the cluster CA.
 */
class OnBehalfOfTest extends SecureApiTestServer {

  private HttpClient node2;

  @BeforeEach
  void ownTheRingAndDialAsANode() throws Exception {
    node.runAppender(FakeNode.RING, SegmentAppender.Config.DEFAULT);
    node2 = client(context(serverCertificate("n2"), ca));
  }

  @Test
  void aNodeForwardsAnAppendForTheCallerItNames() {
    Response forwarded =
        call(
            node2,
            "POST",
            "/streams/orders-1",
            "application/json",
            events(-1L, "a"),
            Map.of(Forwarder.ON_BEHALF_OF, "token:alice"));
    Response notAlices =
        call(
            node2,
            "POST",
            "/streams/invoices-1",
            "application/json",
            events(-1L, "b"),
            Map.of(Forwarder.ON_BEHALF_OF, "token:alice"));

    assertThat(forwarded.status()).as(forwarded.raw().body()).isEqualTo(201);
    assertThat(notAlices.problem(403, ProblemType.FORBIDDEN).path("permission").asText())
        .isEqualTo("append on stream invoices-1");
  }

  @Test
  void aNodeMayNotSpeakForAnyoneOutsideAForwardedAppend() {
    as("ops", "GET", "/streams/orders-1", null, null);
    as("alice", "POST", "/streams/orders-1", "application/json", events(-1L, "a"));
    List<String> before = node.contents();
    Map<String, String> asOps = Map.of(Forwarder.ON_BEHALF_OF, "token:ops");
    Map<String, String> asAlice = Map.of(Forwarder.ON_BEHALF_OF, "token:alice");

    List<Response> refused =
        List.of(
            call(node2, "GET", "/streams/orders-1", null, null, asOps),
            call(node2, "HEAD", "/streams/orders-1", null, null, asOps),
            call(node2, "GET", "/events", null, null, asOps),
            call(node2, "GET", "/events?category=orders", null, null, asAlice),
            call(node2, "GET", "/metrics", null, null, asOps),
            call(node2, "GET", "/consumers/orders-view/cursor", null, null, asAlice),
            call(
                node2,
                "PUT",
                "/consumers/orders-view/cursor",
                "application/json",
                "{\"cursor\":\"x\"}",
                asAlice),
            call(node2, "DELETE", "/consumers/orders-view", null, null, asAlice));

    for (Response r : refused) {
      assertThat(r.status()).as(r.raw().request() + " " + r.raw().body()).isEqualTo(403);
      if (!r.raw().request().method().equals("HEAD")) {
        r.problem(403, ProblemType.FORBIDDEN);
        assertThat(r.json().path("detail").asText()).contains(Forwarder.ON_BEHALF_OF);
      }
    }
    assertThat(node.contents()).isEqualTo(before);
    // Without the header, the node is itself: it holds no read permission either.
    assertThat(call(node2, "GET", "/streams/orders-1", null, null, Map.of()).status())
        .isEqualTo(403);
  }

  @Test
  void theHeaderIsRefusedFromAClientCertificateOnEveryRoute() throws Exception {
    HttpClient app = client(context(ca.issueClient("app", Duration.ofDays(1)), ca));
    Response r =
        call(
            app,
            "POST",
            "/streams/orders-1",
            "application/json",
            events(-1L, "a"),
            Map.of(Forwarder.ON_BEHALF_OF, "token:ops"));

    r.problem(403, ProblemType.FORBIDDEN);
    assertThat(r.json().path("detail").asText()).contains("client:app is not one");
  }
}
