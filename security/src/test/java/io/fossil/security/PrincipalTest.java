package io.fossil.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrincipalTest {

  @Test
  void textFormRoundTrips() {
    for (Principal p :
        new Principal[] {
          Principal.node("n1"), Principal.client("reporting"), Principal.token("auth0|42:x")
        }) {
      assertThat(Principal.parse(p.toString())).isEqualTo(p);
    }
    assertThat(Principal.node("n1").uri()).isEqualTo("urn:fossil:node:n1");
    assertThat(Principal.client("r").uri()).isEqualTo("urn:fossil:client:r");
  }

  @Test
  void refusesBadNamesAndKinds() {
    assertThatThrownBy(() -> Principal.parse("user:alice"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Principal.parse("alice")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Principal.token("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Principal.token("a\nb")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Principal.token("x".repeat(257)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Principal.token("alice").uri())
        .isInstanceOf(IllegalStateException.class);
  }
}
