package io.fossil.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorizerTest {

  static final String EXAMPLE =
      """
      {
        "version": 1,
        "grants": [
          { "principals": ["token:alice", "client:billing"],
            "read":    ["category:orders", "prefix:invoices-2026", "stream:config"],
            "append":  ["category:orders"],
            "consume": ["prefix:orders-"] },
          { "principals": ["token:ops"], "read": ["*"], "admin": true, "metrics": true },
          { "principals": ["node:*"], "admin": true },
          { "principals": ["*"], "read": ["category:announcements"] }
        ]
      }
      """;

  @TempDir Path dir;
  final Principal alice = Principal.token("alice");
  final Principal bob = Principal.token("bob");

  @Test
  void theDocumentedExampleGrantsWhatItSays() {
    Authorizer a = Authorizer.of(Permissions.parse(EXAMPLE));

    assertThat(a.check(alice, Action.APPEND, "orders-42").allowed()).isTrue();
    assertThat(a.check(alice, Action.APPEND, "orders").allowed()).isTrue();
    assertThat(a.check(Principal.client("billing"), Action.READ, "invoices-2026-7").allowed())
        .isTrue();
    assertThat(a.check(alice, Action.READ, "config").allowed()).isTrue();
    assertThat(a.check(alice, Action.READ, "config-2").allowed()).isFalse();
    assertThat(a.check(alice, Action.CONSUME, "orders-view").allowed()).isTrue();
    assertThat(a.check(alice, Action.CONSUME, "billing-view").allowed()).isFalse();
    assertThat(a.check(Principal.node("n3"), Action.ADMIN, null).allowed()).isTrue();
    assertThat(a.check(Principal.client("n3"), Action.ADMIN, null).allowed()).isFalse();
    assertThat(a.check(bob, Action.READ, "announcements-1").allowed()).isTrue();
    assertThat(a.check(Principal.token("ops"), Action.METRICS, null).allowed()).isTrue();

    // A category is not a prefix: ordersarchive-1 is in category ordersarchive.
    assertThat(a.check(alice, Action.APPEND, "ordersarchive-1"))
        .isEqualTo(new Decision.Denied(Action.APPEND, "stream ordersarchive-1"));
    assertThat(((Decision.Denied) a.check(alice, Action.APPEND, "invoices-2026-1")).permission())
        .isEqualTo("append on stream invoices-2026-1");
    assertThat(((Decision.Denied) a.check(alice, Action.ADMIN, null)).permission())
        .isEqualTo("admin");
    assertThat(((Decision.Denied) a.check(bob, Action.CONSUME, "x")).permission())
        .isEqualTo("consume on consumer x");
  }

  @Test
  void cursorReadsAreFilteredAndAWhollyForeignSelectionIsRefused() {
    Authorizer a = Authorizer.of(Permissions.parse(EXAMPLE));

    ReadableStreams orders = a.readable(alice, StreamSelection.category("orders"));
    assertThat(orders.isEmpty()).isFalse();
    assertThat(orders.coversAll()).isTrue();

    ReadableStreams invoices = a.readable(alice, StreamSelection.category("invoices"));
    assertThat(invoices.isEmpty()).isFalse();
    assertThat(invoices.coversAll()).isFalse();
    assertThat(invoices.test("invoices-2026-3")).isTrue();
    assertThat(invoices.test("invoices-2025-3")).isFalse();
    assertThat(invoices.test("orders-1")).isFalse(); // outside the requested selection

    ReadableStreams everything = a.readable(alice, StreamSelection.all());
    assertThat(everything.coversAll()).isFalse();
    assertThat(everything.test("announcements-9")).isTrue();
    assertThat(everything.test("payroll-1")).isFalse();

    ReadableStreams payroll = a.readable(alice, StreamSelection.category("payroll"));
    assertThat(payroll.isEmpty()).isTrue();
    assertThat(((Decision.Denied) payroll.decision()).permission())
        .isEqualTo("read on category payroll");
    assertThat(a.readable(alice, StreamSelection.prefix("ord")).isEmpty()).isFalse();
    assertThat(a.readable(alice, StreamSelection.prefix("ordx")).isEmpty()).isTrue();
    assertThat(a.readable(Principal.token("ops"), StreamSelection.all()).coversAll()).isTrue();
  }

  @Test
  void theFileIsReloadedOnChangeAndABrokenFileKeepsThePreviousGrants() throws Exception {
    Path file = dir.resolve("permissions.json");
    Files.writeString(file, EXAMPLE);
    Authorizer a = Authorizer.load(file);
    assertThat(a.reloadIfChanged()).isEqualTo(Reload.UNCHANGED);
    assertThat(a.check(bob, Action.APPEND, "orders-1").allowed()).isFalse();

    Files.writeString(
        file,
        """
        {"version": 1, "grants": [{"principals": ["token:bob"], "append": ["category:orders"]}]}
        """);
    assertThat(a.reloadIfChanged()).isEqualTo(Reload.APPLIED);
    assertThat(a.check(bob, Action.APPEND, "orders-1").allowed()).isTrue();
    assertThat(a.check(alice, Action.APPEND, "orders-1").allowed()).isFalse();

    Files.writeString(
        file,
        """
        {"version": 1, "grants": [{"principals": ["token:bob"], "appnd": ["*"]}]}
        """);
    Reload refused = a.reloadIfChanged();
    assertThat(refused).isInstanceOf(Reload.Failed.class);
    assertThat(((Reload.Failed) refused).reason())
        .contains("grants[0]", "unknown field \"appnd\"", "previous grants stay");
    assertThat(a.reloadIfChanged()).isEqualTo(Reload.UNCHANGED);
    assertThat(a.check(bob, Action.APPEND, "orders-1").allowed()).isTrue();

    Files.writeString(file, "{\"version\": 1, \"grants\": [");
    assertThat(a.reloadIfChanged()).isInstanceOf(Reload.Failed.class);
    assertThat(a.check(bob, Action.APPEND, "orders-1").allowed()).isTrue();

    Files.writeString(file, EXAMPLE);
    assertThat(a.reloadIfChanged()).isEqualTo(Reload.APPLIED);
    assertThat(a.check(bob, Action.APPEND, "orders-1").allowed()).isFalse();
  }

  @Test
  void malformedFilesAreRefusedWithTheirPlace() {
    String[][] cases = {
      {"[]", "one JSON object"},
      {"{\"grants\": []}", "version"},
      {"{\"version\": 2, \"grants\": []}", "version"},
      {"{\"version\": 1, \"grants\": [], \"deny\": []}", "unknown field \"deny\""},
      {"{\"version\": 1, \"grants\": [{\"read\": [\"*\"]}]}", "grants[0].principals"},
      {"{\"version\": 1, \"grants\": [{\"principals\": [\"user:x\"]}]}", "grants[0].principals[0]"},
      {
        "{\"version\": 1, \"grants\": [{\"principals\": [\"*\"], \"read\": [\"orders\"]}]}",
        "grants[0].read[0]"
      },
      {
        "{\"version\": 1, \"grants\": [{\"principals\": [\"*\"], \"read\": [\"category:a-b\"]}]}",
        "grants[0].read[0]"
      },
      {
        "{\"version\": 1, \"grants\": [{\"principals\": [\"*\"], \"consume\": [\"category:a\"]}]}",
        "grants[0].consume[0]"
      },
      {"{\"version\": 1, \"grants\": [{\"principals\": [\"*\"], \"admin\": \"yes\"}]}", "admin"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> Permissions.parse(c[0]))
          .as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void fixedGrantsForInsecureModeAndNone() {
    Authorizer all = Authorizer.of(Permissions.everything());
    for (Action action : Action.values()) {
      assertThat(all.check(bob, action, "anything").allowed()).isTrue();
    }
    assertThat(all.readable(bob, StreamSelection.all()).coversAll()).isTrue();
    Authorizer none = Authorizer.of(Permissions.none());
    assertThat(none.check(bob, Action.METRICS, null).allowed()).isFalse();
    assertThat(none.readable(bob, StreamSelection.all()).isEmpty()).isTrue();
  }
}
