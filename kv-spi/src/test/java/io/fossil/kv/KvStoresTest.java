package io.fossil.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KvStoresTest {

  @Test
  void passwordsAndCredentialsAreHidden() {
    assertThat(
            KvStores.redacted(
                "etcd://h1:2379,h2/fossil?user=fossil&password=hunter2&callTimeout=5s"))
        .isEqualTo("etcd://h1:2379,h2/fossil?user=fossil&password=***&callTimeout=5s");
    assertThat(KvStores.redacted("etcd://fossil:hunter2@h1:2379/ns?password=x%26y"))
        .isEqualTo("etcd://***@h1:2379/ns?password=***");
    assertThat(KvStores.redacted("etcd://a:b@c@h/ns")).isEqualTo("etcd://***@h/ns");
  }

  @Test
  void everyParameterNamingASecretIsHiddenWhateverItsCaseOrEncoding() {
    for (String name :
        new String[] {
          "PASSWORD",
          "Password",
          "pass%77ord",
          "etcdPassword",
          "secret",
          "clientSecret",
          "token",
          "accessToken",
          "credentials",
          "passwd",
          "passphrase",
          "apiKey",
          "api_key",
          "pass",
          "pwd",
          "key",
          "auth"
        }) {
      assertThat(KvStores.redacted("x://h/?a=1&" + name + "=s3cr3t&b=2"))
          .as(name)
          .isEqualTo("x://h/?a=1&" + name + "=***&b=2");
    }
  }

  @Test
  void filesPathsAndOrdinaryOptionsAreKept() {
    String uri =
        "etcd://h/ns?user=fossil&passwordFile=/etc/fossil/etcd/password&caFile=/ca.pem"
            + "&certFile=/c.pem&keyFile=/k.pem&tokenPath=/t&maxTxnOps=128";
    assertThat(KvStores.redacted(uri)).isEqualTo(uri);
    assertThat(KvStores.redacted("mem:?maxKeyBytes=10&maxValueBytes=20"))
        .isEqualTo("mem:?maxKeyBytes=10&maxValueBytes=20");
    assertThat(KvStores.redacted("rocksdb:/var/lib/fossil/store"))
        .isEqualTo("rocksdb:/var/lib/fossil/store");
    assertThat(KvStores.redacted("fdb:/etc/foundationdb/fdb.cluster?prefix=a"))
        .isEqualTo("fdb:/etc/foundationdb/fdb.cluster?prefix=a");
  }

  @Test
  void malformedUrisAreRedactedAsFarAsTheyCanBeRead() {
    assertThat(KvStores.redacted("password=hunter2")).isEqualTo("password=hunter2");
    assertThat(KvStores.redacted("?password=hunter2")).isEqualTo("?password=***");
    assertThat(KvStores.redacted("x://h?password")).isEqualTo("x://h?password");
    assertThat(KvStores.redacted("x://h?%zz=1&password=a=b&&"))
        .isEqualTo("x://h?%zz=1&password=***&&");
    assertThat(KvStores.redacted("x://h?password=a#frag")).isEqualTo("x://h?password=***#frag");
    assertThat(KvStores.redacted("")).isEmpty();
  }

  @Test
  void aUriWithoutSchemeIsRefusedWithoutShowingItsSecret() {
    assertThatThrownBy(() -> KvStores.open("//h?password=hunter2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no scheme")
        .hasMessageContaining("password=***")
        .hasMessageNotContaining("hunter2");
  }
}
