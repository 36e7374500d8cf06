package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fossil.kv.KvStores;
import io.fossil.security.Action;
import io.fossil.security.Authorizer;
import io.fossil.security.Decision;
import io.fossil.security.Permissions;
import io.fossil.security.Principal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay is secure unless it is one of {@link Repository#INSECURE_OVERLAYS} and says so: its
 * nodes get TLS material from cert-manager's CSI driver (a certificate per pod naming the node id
 * {@code --kubernetes} derives), probe over HTTPS, grant from a permissions file, and take store
 * credentials from Secrets, never from the manifests. Checked on the rendered overlays through the
 * real {@code fossil node} command line ({@link NodeInPod}).
 */
class SecureOverlaysTest {

  private static final String TLS_KEY = "--tls-key";
  private static final String TLS_CERT = "--tls-cert";
  private static final String TLS_CA = "--tls-ca";
  private static final String PERMISSIONS = "--permissions";

  static Stream<String> overlays() {
    return Repository.OVERLAYS.stream();
  }

  static Stream<String> secureOverlays() {
    return overlays().filter(o -> !Repository.INSECURE_OVERLAYS.contains(o));
  }

  @Test
  void mostOverlaysAreSecure() {
    assertThat(secureOverlays()).contains("etcd", "fdb");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void onlyTheOverlaysMeantToBeInsecureAreAndTheySaySo(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    NodeInPod node = new NodeInPod(r, 0);
    boolean insecure = node.value("--insecure");
    List<String> args = r.node().getArgs() == null ? List.of() : r.node().getArgs();

    if (Repository.INSECURE_OVERLAYS.contains(overlay)) {
      assertThat(insecure).as("%s runs without TLS on purpose", overlay).isTrue();
      assertThat(node.environment).containsEntry("FOSSIL_INSECURE", "true");
      Path key = node.value(TLS_KEY);
      assertThat(key).as("%s: no TLS", overlay).isNull();
    } else {
      assertThat(insecure).as("%s: --insecure", overlay).isFalse();
      assertThat(args).noneMatch(a -> a.startsWith("--insecure"));
      assertThat(node.environment).doesNotContainKey("FOSSIL_INSECURE");
    }
  }

  @ParameterizedTest
  @MethodSource("secureOverlays")
  void tlsMaterialIsMountedFromCertManagersCsiDriver(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    NodeInPod node = new NodeInPod(r, 0);
    Container container = r.node();

    assertThat(node.environment).containsKeys("FOSSIL_TLS_KEY", "FOSSIL_TLS_CERT", "FOSSIL_TLS_CA");
    Map<String, String> files =
        Map.of(
            TLS_KEY, CsiCertificate.KEY_FILE,
            TLS_CERT, CsiCertificate.CERT_FILE,
            TLS_CA, CsiCertificate.CA_FILE);
    files.forEach(
        (option, attribute) -> {
          Path path = node.value(option);
          assertThat(path).as("%s: %s", overlay, option).isNotNull();
          VolumeMount mount = Rendering.mountHolding(container, path);
          assertThat(mount.getReadOnly()).as("%s is mounted read-only", path).isTrue();
          Volume volume = r.volume(mount.getName());
          CsiCertificate certificate = CsiCertificate.of(volume);
          assertThat(Path.of(mount.getMountPath()).relativize(path).toString())
              .as("%s is the file the driver writes", option)
              .isEqualTo(certificate.file(attribute));
        });
  }

  @ParameterizedTest
  @MethodSource("secureOverlays")
  void everyPodsCertificateNamesItsNodeIdAndTheNamesItIsDialledAt(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    int replicas = r.statefulSet().getSpec().getReplicas();
    Path key = new NodeInPod(r, 0).value(TLS_KEY);
    CsiCertificate certificate =
        CsiCertificate.of(r.volume(Rendering.mountHolding(r.node(), key).getName()));
    String clients =
        r.services().stream()
            .filter(s -> !"None".equals(s.getSpec().getClusterIP()))
            .map(s -> s.getMetadata().getName())
            .findFirst()
            .orElseThrow();

    assertThat(certificate.issuerName()).isNotBlank();
    assertThat(certificate.issuerKind()).isIn("Issuer", "ClusterIssuer");
    assertThat(certificate.keyUsages())
        .as("a node is a TLS server and, to its peers, a client")
        .contains("server auth", "client auth");
    assertThat(certificate.fsGroup())
        .as("the key is readable by the pod's group, which the node runs as")
        .isEqualTo(
            String.valueOf(
                r.statefulSet()
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getSecurityContext()
                    .getRunAsGroup()));
    for (int i = 0; i < replicas; i++) {
      NodeInPod node = new NodeInPod(r, i);
      String ns = NodeInPod.NAMESPACE;

      assertThat(certificate.uriSans(node.podName, ns))
          .as("pod %s: the SAN URI names the node id --kubernetes derives", node.podName)
          .containsExactly(Principal.node(node.addressing.nodeId()).uri());
      List<String> dialled = new ArrayList<>(List.of(host(node.addressing.advertise())));
      String voter = node.voters().get(node.addressing.nodeId());
      if (voter != null) {
        dialled.add(host(voter));
      }
      dialled.addAll(List.of(clients + "." + ns + ".svc.cluster.local", clients + "." + ns));
      assertThat(certificate.dnsNames(node.podName, ns))
          .as("pod %s: the names the others and the clients dial", node.podName)
          .containsAll(dialled);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void probesAndScrapesUseHttpsWhenTheNodeSpeaksTls(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    boolean tls = new NodeInPod(r, 0).value(TLS_KEY) != null;
    Container c = r.node();
    Map<String, String> annotations =
        r.statefulSet().getSpec().getTemplate().getMetadata().getAnnotations();

    for (Probe probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
      String scheme = probe.getHttpGet().getScheme();
      assertThat(scheme == null ? "HTTP" : scheme)
          .as("%s: %s", overlay, probe.getHttpGet().getPath())
          .isEqualTo(tls ? "HTTPS" : "HTTP");
    }
    assertThat(annotations.getOrDefault("prometheus.io/scheme", "http"))
        .isEqualTo(tls ? "https" : "http");
  }

  @ParameterizedTest
  @MethodSource("secureOverlays")
  void grantsComeFromAPermissionsFileThatGivesTheNodesAdmin(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    NodeInPod node = new NodeInPod(r, 0);
    Assumptions.assumeTrue(
        node.has(PERMISSIONS), "waits for fossil node --permissions (COMMON.md contract)");
    Path file = node.value(PERMISSIONS);

    assertThat(file).as("%s: %s", overlay, PERMISSIONS).isNotNull();
    VolumeMount mount = Rendering.mountHolding(r.node(), file);
    Volume volume = r.volume(mount.getName());
    assertThat(volume.getConfigMap()).as("the permissions come from a ConfigMap").isNotNull();
    ConfigMap map = r.configMap(volume.getConfigMap().getName());
    String key = Path.of(mount.getMountPath()).relativize(file).toString();
    assertThat(map.getData()).containsKey(key);
    Authorizer grants = Authorizer.of(Permissions.parse(map.getData().get(key)));
    assertThat(grants.check(Principal.node(node.addressing.nodeId()), Action.ADMIN, null))
        .isInstanceOf(Decision.Allowed.class);
    assertThat(grants.check(Principal.client("someone-else"), Action.READ, "orders-1"))
        .isInstanceOf(Decision.Denied.class);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void storeCredentialsComeFromSecretsNeverFromTheManifests(String overlay) {
    Rendering r = RenderedOverlaysTest.rendered(overlay);
    NodeInPod node = new NodeInPod(r, 0);
    String store = node.value("--store");

    assertThat(r.all(Secret.class)).as("no Secret is part of the manifests").isEmpty();
    assertThat(KvStores.redacted(store)).as("the store URI holds no secret").isEqualTo(store);
    for (ConfigMap map : r.all(ConfigMap.class)) {
      assertThat(map.getData().keySet()).noneMatch(SecureOverlaysTest::namesASecret);
    }
    for (EnvVar var : r.node().getEnv()) {
      if (namesASecret(var.getName())) {
        assertThat(var.getValue()).as("%s is not written in the manifest", var.getName()).isNull();
        assertThat(var.getValueFrom().getSecretKeyRef()).as(var.getName()).isNotNull();
      }
    }
    if (store.contains("user=")) {
      String file = option(store, "passwordFile");
      if (file == null) {
        EnvVar password =
            r.node().getEnv().stream()
                .filter(v -> v.getName().equals(KvStores.PASSWORD_VARIABLE))
                .findFirst()
                .orElse(null);
        assertThat(password)
            .as("%s: a store user's password comes from passwordFile or %s", overlay, store)
            .isNotNull();
      } else {
        assertSecretFile(r, Path.of(file));
      }
    }
  }

  @Test
  void theEtcdOverlayLogsInWithAPasswordAndTrustsACaFromItsSecret() {
    Rendering r = RenderedOverlaysTest.rendered("etcd");
    String store = new NodeInPod(r, 0).value("--store");

    assertThat(option(store, "user")).isNotBlank();
    assertSecretFile(r, Path.of(option(store, "passwordFile")));
    assertSecretFile(r, Path.of(option(store, "caFile")));
  }

  @Test
  void theCsiCheckExpandsAsTheDriverDoesAndRefusesVariablesItDoesNotKnow() {
    CsiCertificate good =
        new CsiCertificate(
            Map.of(
                "csi.cert-manager.io/uri-sans", "urn:fossil:node:${POD_NAME}",
                "csi.cert-manager.io/dns-names", " $POD_NAME.h.${POD_NAMESPACE}.svc ,\n fossil"));
    CsiCertificate typo =
        new CsiCertificate(Map.of("csi.cert-manager.io/uri-sans", "urn:fossil:node:${POD}"));

    assertThat(good.uriSans("fossil-1", "events")).containsExactly("urn:fossil:node:fossil-1");
    assertThat(good.dnsNames("fossil-1", "events"))
        .containsExactly("fossil-1.h.events.svc", "fossil");
    assertThatThrownBy(() -> typo.uriSans("fossil-1", "events"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("not $POD");
  }

  /** {@code file} is mounted from a Secret whose items (if listed) include it. */
  private static void assertSecretFile(Rendering r, Path file) {
    VolumeMount mount = Rendering.mountHolding(r.node(), file);
    Volume volume = r.volume(mount.getName());
    assertThat(volume.getSecret()).as("%s comes from a Secret", file).isNotNull();
    assertThat(mount.getReadOnly()).as("%s is mounted read-only", file).isTrue();
    String name = Path.of(mount.getMountPath()).relativize(file).toString();
    if (volume.getSecret().getItems() != null && !volume.getSecret().getItems().isEmpty()) {
      assertThat(volume.getSecret().getItems())
          .as("the Secret volume projects %s", name)
          .anySatisfy(item -> assertThat(item.getPath()).isEqualTo(name));
    }
    Integer mode = volume.getSecret().getDefaultMode();
    assertThat(mode).as("%s is not readable by others", file).isNotNull();
    assertThat(mode & 0007).as("mode %o", mode).isZero();
  }

  /** Whether a variable or key of this name holds a secret. */
  private static boolean namesASecret(String name) {
    String upper = name.toUpperCase(java.util.Locale.ROOT);
    return upper.equals(KvStores.PASSWORD_VARIABLE)
        || upper.equals("FOSSIL_TOKEN")
        || upper.endsWith("PASSWORD")
        || upper.endsWith("SECRET");
  }

  /** The value of query option {@code name} of a store URI, or null. */
  private static String option(String uri, String name) {
    int query = uri.indexOf('?');
    if (query < 0) {
      return null;
    }
    for (String pair : uri.substring(query + 1).split("&")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    return null;
  }

  private static String host(String hostPort) {
    return hostPort.substring(0, hostPort.lastIndexOf(':'));
  }
}
