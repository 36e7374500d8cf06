package io.fossil.kv.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.kv.KvLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdUriTest {

  private static final Function<String, String> NO_ENVIRONMENT = name -> null;

  @TempDir Path dir;

  @Test
  void aBareHostGetsEveryDefault() {
    EtcdConfig c = EtcdUri.parse("etcd://localhost");
    assertThat(c.endpoints()).containsExactly(new EtcdConfig.Endpoint("localhost", 2379));
    assertThat(c.namespace()).isEqualTo("fossil/");
    assertThat(c.callTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.maxTxnOps()).isEqualTo(128);
    assertThat(c.maxRequestBytes()).isEqualTo(1_572_864);
    assertThat(c.user()).isNull();
    assertThat(c.tls()).isFalse();
  }

  @Test
  void everyOptionIsRead() {
    EtcdConfig c =
        EtcdUri.parse(
            "ETCD://h1:2379, h2:32379,[::1]:2380,10.0.0.7/tenants/a%2Fb/?callTimeout=750ms"
                + "&maxTxnOps=1024&maxRequestBytes=10485760&user=fossil&password=p%26ss+w%C3%B6rd"
                + "&tls=true&caFile=/etc/ca.pem&certFile=/etc/c.pem&keyFile=/etc/k.pem");
    assertThat(c.endpoints())
        .containsExactly(
            new EtcdConfig.Endpoint("h1", 2379),
            new EtcdConfig.Endpoint("h2", 32379),
            new EtcdConfig.Endpoint("::1", 2380),
            new EtcdConfig.Endpoint("10.0.0.7", 2379));
    assertThat(c.endpoints().get(2).authority()).isEqualTo("[::1]:2380");
    assertThat(c.namespace()).isEqualTo("tenants/a/b/");
    assertThat(c.callTimeout()).isEqualTo(Duration.ofMillis(750));
    assertThat(c.maxTxnOps()).isEqualTo(1024);
    assertThat(c.maxRequestBytes()).isEqualTo(10_485_760);
    assertThat(c.user()).isEqualTo("fossil");
    assertThat(c.password()).isEqualTo("p&ss+wörd");
    assertThat(c.tls()).isTrue();
    assertThat(c.caFile()).isEqualTo(Path.of("/etc/ca.pem"));
    assertThat(c.certFile()).isEqualTo(Path.of("/etc/c.pem"));
    assertThat(c.keyFile()).isEqualTo(Path.of("/etc/k.pem"));
    assertThat(c.toString()).doesNotContain("p&ss").contains("password=***");
  }

  @Test
  void durationsComeInShortAndIsoForms() {
    assertThat(timeout("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(timeout("3m")).isEqualTo(Duration.ofMinutes(3));
    assertThat(timeout("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(timeout("PT0.25S")).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void aCaFileImpliesTlsAndContradictionsAreRefused() {
    assertThat(EtcdUri.parse("etcd://h?caFile=/ca.pem").tls()).isTrue();
    assertThatThrownBy(() -> EtcdUri.parse("etcd://h?tls=false&caFile=/ca.pem"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("need TLS");
    assertThatThrownBy(() -> EtcdUri.parse("etcd://h?certFile=/c.pem"))
        .hasMessageContaining("needs both certFile and keyFile");
  }

  @Test
  void mistakesAreExplained() {
    assertBad("http://h:2379", "does not start with etcd://");
    assertBad("etcd:/h", "does not start with etcd://");
    assertBad("etcd://", "names no endpoint");
    assertBad("etcd:///ns", "names no endpoint");
    assertBad("etcd://h1,,h2", "bad endpoint '': the host is missing");
    assertBad("etcd://h:0", "not in 1..65535");
    assertBad("etcd://h:70000", "not in 1..65535");
    assertBad("etcd://h:port", "the port is not a number");
    assertBad("etcd://::1:2379", "IPv6 address in brackets");
    assertBad("etcd://[::1:2379", "closing ']'");
    assertBad("etcd://h 1", "characters a host name cannot have");
    assertBad("etcd://h/a//b", "empty segment");
    assertBad("etcd://h/%zz", "two hex digits");
    assertBad("etcd://h?timeout=5s", "unknown option 'timeout'; known options: callTimeout");
    assertBad("etcd://h?callTimeout=5s&callTimeout=6s", "gives option 'callTimeout' twice");
    assertBad("etcd://h?callTimeout", "name=value");
    assertBad("etcd://h?callTimeout=soon", "not a duration; write e.g. 5s");
    assertBad("etcd://h?callTimeout=0s", "must be positive");
    assertBad("etcd://h?maxTxnOps=0", "maxTxnOps='0' must be in 1..");
    assertBad("etcd://h?maxTxnOps=lots", "not a whole number");
    assertBad("etcd://h?maxRequestBytes=1000", "maxRequestBytes must be at least 262144");
    assertBad("etcd://h?maxTxnOps=100000", "too small for maxTxnOps=100000");
    assertBad("etcd://h?tls=yes", "tls='yes' must be true or false");
    assertBad("etcd://h?user=u", "user 'u' needs a password: give passwordFile=/path/to/file");
    assertBad("etcd://h?password=p", "give both user and password");
    assertBad("etcd://h?caFile=", "caFile is empty");
  }

  @Test
  void passwordsNeverAppearInMessages() {
    assertThatThrownBy(() -> EtcdUri.parse("etcd://u:secret@h?password=secret"))
        .hasMessageContaining("pass them as ?user=NAME&passwordFile=/path")
        .hasMessageNotContaining("secret@");
    assertThatThrownBy(() -> EtcdUri.parse("etcd://h?password=hunter2&bogus=1"))
        .hasMessageContaining("password=***")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> EtcdUri.parse("etcd://h?password=hunter2"))
        .hasMessageContaining("give both user and password")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aPasswordFileIsReadWithoutItsTrailingLineBreaks() throws Exception {
    assertThat(passwordFrom("s3cret&more\n")).isEqualTo("s3cret&more");
    assertThat(passwordFrom("s3cret\r\n\n")).isEqualTo("s3cret");
    assertThat(passwordFrom("no newline")).isEqualTo("no newline");
    assertThat(passwordFrom(" two\nlines ")).isEqualTo(" two\nlines ");
    assertThat(passwordFrom("wörd\n")).isEqualTo("wörd");

    Path file = write("hunter2\n");
    EtcdConfig c = EtcdUri.parse("etcd://h?user=fossil&passwordFile=" + file, NO_ENVIRONMENT);
    assertThat(c.user()).isEqualTo("fossil");
    assertThat(c.toString()).doesNotContain("hunter2").contains("password=***");
  }

  @Test
  void withAUserButNoPasswordTheEnvironmentGivesIt() throws Exception {
    Function<String, String> env = Map.of("FOSSIL_STORE_PASSWORD", "from-env\n")::get;

    assertThat(EtcdUri.parse("etcd://h?user=fossil", env).password()).isEqualTo("from-env");
    assertThat(EtcdUri.parse("etcd://h?user=fossil&password=inline", env).password())
        .as("the URI wins")
        .isEqualTo("inline");
    Path file = write("from-file");
    assertThat(EtcdUri.parse("etcd://h?user=fossil&passwordFile=" + file, env).password())
        .as("the file wins")
        .isEqualTo("from-file");
    EtcdConfig noUser = EtcdUri.parse("etcd://h", env);
    assertThat(noUser.user()).as("no user, no auth").isNull();
    assertThat(noUser.password()).isNull();
    assertThatThrownBy(
            () -> EtcdUri.parse("etcd://h?user=fossil", Map.of("FOSSIL_STORE_PASSWORD", "")::get))
        .hasMessageContaining("user 'fossil' needs a password");
  }

  @Test
  void passwordSourcesThatCannotBeUsedAreExplainedWithoutTheirContent() throws Exception {
    Path secret = write("hunter2\n");
    assertBad(
        "etcd://h?user=u&password=hunter2&passwordFile=" + secret,
        "give password or passwordFile, not both");
    assertBad("etcd://h?passwordFile=" + secret, "passwordFile needs user");
    assertBad("etcd://h?user=u&passwordFile=", "passwordFile is empty; give the path of a file");
    assertBad(
        "etcd://h?user=u&passwordFile=" + dir.resolve("absent"),
        "cannot read passwordFile " + dir.resolve("absent") + " (NoSuchFileException)");
    assertBad("etcd://h?user=u&passwordFile=" + write("\n\r\n"), "is empty");
    assertBad("etcd://h?user=u&passwordFile=" + dir, "cannot read passwordFile " + dir);
    Path latin1 = dir.resolve("latin1");
    Files.write(latin1, new byte[] {'h', (byte) 0xfc, 'n'});
    assertBad("etcd://h?user=u&passwordFile=" + latin1, "is not UTF-8 text");
    for (String uri :
        new String[] {
          "etcd://h?user=u&password=hunter2&passwordFile=" + secret,
          "etcd://h?passwordFile=" + secret,
          "etcd://h?user=u&passwordFile=" + secret + "&bogus=1",
          "etcd://h?user=u&passwordFile=" + secret + "&callTimeout=never",
        }) {
      assertThatThrownBy(() -> EtcdUri.parse(uri, Map.of("FOSSIL_STORE_PASSWORD", "hunter2")::get))
          .as(uri)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageNotContaining("hunter2");
    }
    assertThatThrownBy(
            () ->
                EtcdUri.parse(
                    "etcd://h?user=u&callTimeout=never",
                    Map.of("FOSSIL_STORE_PASSWORD", "hunter2")::get))
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void limitsLeaveRoomForFramingTheNamespaceAndRepeatedKeys() {
    KvLimits d = EtcdUri.parse("etcd://h").limits();
    // 1,572,864 - 4,096 (request) - 3 * 128 * (7 + 32) (entries) - 128 * 1,024 (repeated keys)
    assertThat(d).isEqualTo(new KvLimits(128, 1_422_720, 1024, 1_422_720 - 1024));

    KvLimits longNamespace = EtcdUri.parse("etcd://h/" + "n".repeat(99)).limits();
    assertThat(longNamespace.maxBatchBytes()).isEqualTo(1_422_720 - 3 * 128 * 93);

    KvLimits big = EtcdUri.parse("etcd://h?maxTxnOps=1024&maxRequestBytes=10485760").limits();
    assertThat(big.maxOperations()).isEqualTo(1024);
    assertThat(big.maxBatchBytes())
        .isEqualTo(10_485_760L - 4096 - 3L * 1024 * (7 + 32) - 1024L * 1024);
  }

  private String passwordFrom(String content) throws Exception {
    return EtcdUri.parse("etcd://h?user=u&passwordFile=" + write(content), NO_ENVIRONMENT)
        .password();
  }

  private Path write(String content) throws Exception {
    Path file = Files.createTempFile(dir, "password", "");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private static Duration timeout(String text) {
    return EtcdUri.parse("etcd://h?callTimeout=" + text).callTimeout();
  }

  private static void assertBad(String uri, String message) {
    assertThatThrownBy(() -> EtcdUri.parse(uri, NO_ENVIRONMENT))
        .as(uri)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
