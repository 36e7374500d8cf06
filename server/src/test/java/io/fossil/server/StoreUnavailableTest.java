package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that stops answering is a 503 the client may retry, not a 500: here the node's store is
 * closed under it, so every read fails with the store's own error.
 */
class StoreUnavailableTest {

  @TempDir Path data;
  final Http http = new Http();

  @Test
  void readsAnswer503StoreUnavailableWithRetryAfter() throws Exception {
    try (DevCluster cluster = TestClusters.start(data, 1, 4, false, "mem:unavailable")) {
      String url = cluster.urls().get(0);
      Http.Response appended =
          http.post(url + "/streams/orders-1", "application/json", Http.event("A", "1"), true);
      assertThat(appended.status()).as(appended.body()).isEqualTo(201);

      cluster.store().close();

      for (String path :
          new String[] {"/streams/orders-1", "/events", "/consumers/view-1/cursor"}) {
        HttpResponse<String> r =
            http.noRedirects.send(
                Http.request("GET", url + path, null, null), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.headers().firstValue("Retry-After")).as(path).hasValue("1");
        assertThat(new Http.Response(503, null, null, r.body()).json().get("type").asText())
            .isEqualTo("urn:fossil:problem:store-unavailable");
      }
    }
  }
}
