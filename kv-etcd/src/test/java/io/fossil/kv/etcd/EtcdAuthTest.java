package io.fossil.kv.etcd;

import static io.fossil.kv.etcd.EtcdKvStoreTest.SLOW_OK;
import static io.fossil.kv.etcd.EtcdKvStoreTest.bytes;
import static io.fossil.kv.etcd.EtcdKvStoreTest.get;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fossil.kv.KvException;
import io.fossil.kv.KvStore;
import io.fossil.kv.KvStores;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * user/password from the URI, a password file or the environment reach etcd; a wrong password fails
 * calls, never as unknown.
 */
class EtcdAuthTest {

  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();

  private static boolean authEnabled;

  @TempDir Path dir;

  @Test
  void theRightPasswordWorksAndAWrongOneIsRefused() throws Exception {
    enableAuth();
    try (KvStore store =
        KvStores.open(ETCD.uri("auth", "user=root&password=s3cret%26more&" + SLOW_OK))) {
      assertThat(get(store.write(WriteBatch.builder().put(bytes("k"), bytes("v")).build())))
          .isInstanceOf(WriteOutcome.Committed.class);
      assertThat(get(store.get(bytes("k")))).contains(bytes("v"));
    }
    try (KvStore store = KvStores.open(ETCD.uri("auth", "user=root&password=wrong&" + SLOW_OK))) {
      assertThatThrownBy(
              () -> get(store.write(WriteBatch.builder().put(bytes("k"), bytes("x")).build())))
          .isInstanceOf(KvException.class)
          .hasMessageContaining("UNAUTHENTICATED")
          .hasMessageContaining("authentication failed");
      assertThatThrownBy(() -> get(store.get(bytes("k")))).isInstanceOf(KvException.class);
    }
  }

  @Test
  void aPasswordFileAuthenticates() throws Exception {
    enableAuth();
    Path file = dir.resolve("password");
    Files.writeString(file, "s3cret&more\n", UTF_8); // as `echo` or a mounted Secret writes it
    String uri =
        ETCD.uri(
            "auth-file",
            "user=root&passwordFile=" + URLEncoder.encode(file.toString(), UTF_8) + "&" + SLOW_OK);

    try (KvStore store = KvStores.open(uri)) {
      assertThat(get(store.write(WriteBatch.builder().put(bytes("f"), bytes("v")).build())))
          .isInstanceOf(WriteOutcome.Committed.class);
      assertThat(get(store.get(bytes("f")))).contains(bytes("v"));
    }
    Files.writeString(file, "wrong\n", UTF_8);
    try (KvStore store = KvStores.open(uri)) {
      assertThatThrownBy(
              () -> get(store.write(WriteBatch.builder().put(bytes("f"), bytes("x")).build())))
          .isInstanceOf(KvException.class)
          .hasMessageContaining("authentication failed");
    }
  }

  @Test
  void theEnvironmentGivesThePasswordOfAUserWithoutOne() throws Exception {
    enableAuth();
    String uri = ETCD.uri("auth-env", "user=root&" + SLOW_OK);

    try (KvStore store =
        new EtcdKvStore(
            EtcdUri.parse(uri, Map.of(KvStores.PASSWORD_VARIABLE, "s3cret&more")::get))) {
      assertThat(get(store.write(WriteBatch.builder().put(bytes("e"), bytes("v")).build())))
          .isInstanceOf(WriteOutcome.Committed.class);
    }
  }

  /** Adds the user root with the role root and turns etcd's authentication on, once. */
  private static synchronized void enableAuth() throws Exception {
    if (authEnabled) {
      return;
    }
    try (Client admin =
        Client.builder().endpoints("http://127.0.0.1:" + ETCD.clientPort()).build()) {
      Auth auth = admin.getAuthClient();
      auth.userAdd(bs("root"), bs("s3cret&more")).get(30, TimeUnit.SECONDS);
      auth.roleAdd(bs("root")).get(30, TimeUnit.SECONDS);
      auth.userGrantRole(bs("root"), bs("root")).get(30, TimeUnit.SECONDS);
      auth.authEnable().get(30, TimeUnit.SECONDS);
    }
    authEnabled = true;
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
