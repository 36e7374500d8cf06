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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** user/password from the URI reach etcd; a wrong password fails calls, never as unknown. */
class EtcdAuthTest {

  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();

  @Test
  void theRightPasswordWorksAndAWrongOneIsRefused() throws Exception {
    try (Client admin =
        Client.builder().endpoints("http://127.0.0.1:" + ETCD.clientPort()).build()) {
      Auth auth = admin.getAuthClient();
      auth.userAdd(bs("root"), bs("s3cret&more")).get(30, TimeUnit.SECONDS);
      auth.roleAdd(bs("root")).get(30, TimeUnit.SECONDS);
      auth.userGrantRole(bs("root"), bs("root")).get(30, TimeUnit.SECONDS);
      auth.authEnable().get(30, TimeUnit.SECONDS);
    }
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

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
