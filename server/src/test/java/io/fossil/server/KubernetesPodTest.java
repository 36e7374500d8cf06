package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A StatefulSet pod's identity from its name and the downward API's variables. */
class KubernetesPodTest {

  @Test
  void theStatefulSetAndOrdinalComeFromThePodName() {
    KubernetesPod pod = KubernetesPod.of("fossil-2", "prod", "10.1.2.3");

    assertThat(pod.statefulSet()).isEqualTo("fossil");
    assertThat(pod.ordinal()).isEqualTo(2);
    assertThat(pod.name()).isEqualTo("fossil-2");
    assertThat(pod.namespace()).isEqualTo("prod");
    assertThat(pod.ip()).isEqualTo("10.1.2.3");
  }

  @Test
  void onlyTheLastDashSeparatesTheOrdinal() {
    KubernetesPod pod = KubernetesPod.of("event-store-12", "ns", null);

    assertThat(pod.statefulSet()).isEqualTo("event-store");
    assertThat(pod.ordinal()).isEqualTo(12);
    assertThat(KubernetesPod.of("fossil-0-1", "ns", null).statefulSet()).isEqualTo("fossil-0");
  }

  @Test
  void aNameThatNoStatefulSetGivesIsRefusedWithTheExpectedForm() {
    for (String bad :
        new String[] {
          "fossil",
          "fossil-",
          "-1",
          "fossil-01",
          "fossil-x",
          "Fossil-1",
          "fossil_a-1",
          "fossil--1",
          "fossil-1234567890",
          "a".repeat(62) + "-1"
        }) {
      assertThatThrownBy(() -> KubernetesPod.of(bad, "ns", null))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("<statefulset>-<ordinal>");
    }
  }

  @Test
  void theEnvironmentGivesNameNamespaceAndIp() {
    KubernetesPod pod =
        KubernetesPod.fromEnvironment(
            Map.of("POD_NAME", "fossil-1", "POD_NAMESPACE", "events", "POD_IP", "10.0.0.7")::get);

    assertThat(pod).isEqualTo(new KubernetesPod("fossil", 1, "events", "10.0.0.7"));
  }

  @Test
  void hostnameStandsInForAMissingPodName() {
    KubernetesPod pod =
        KubernetesPod.fromEnvironment(Map.of("HOSTNAME", "fossil-4", "POD_NAMESPACE", "ns")::get);

    assertThat(pod.name()).isEqualTo("fossil-4");
    assertThat(pod.ip()).isNull();
  }

  @Test
  void podNameWinsOverHostname() {
    KubernetesPod pod =
        KubernetesPod.fromEnvironment(
            Map.of("POD_NAME", "fossil-1", "HOSTNAME", "other-9", "POD_NAMESPACE", "ns")::get);

    assertThat(pod.name()).isEqualTo("fossil-1");
  }

  @Test
  void aMissingVariableIsNamedWithWhereToGetIt() {
    assertThatThrownBy(() -> KubernetesPod.fromEnvironment(Map.of("POD_NAMESPACE", "ns")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("POD_NAME")
        .hasMessageContaining("metadata.name");
    assertThatThrownBy(() -> KubernetesPod.fromEnvironment(Map.of("POD_NAME", "fossil-0")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("POD_NAMESPACE")
        .hasMessageContaining("metadata.namespace");
    assertThatThrownBy(
            () ->
                KubernetesPod.fromEnvironment(
                    Map.of("POD_NAME", "fossil-0", "POD_NAMESPACE", "Not_A_Label")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("namespace 'Not_A_Label'");
  }
}
