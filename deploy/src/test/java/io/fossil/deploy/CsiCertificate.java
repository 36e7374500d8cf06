package io.fossil.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.CSIVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificate a pod asks cert-manager's CSI driver ({@code csi.cert-manager.io}) for, read from
 * the volume's attributes as the driver reads them (csi-driver's pkg/requestgen and
 * pkg/apis/defaults): lists are comma-separated and trimmed, {@code $VAR} and {@code ${VAR}} are
 * expanded from the pod (only POD_NAME, POD_NAMESPACE, POD_UID and SERVICE_ACCOUNT_NAME exist; any
 * other variable fails the request, and here the check), and the files default to {@code tls.key},
 * {@code tls.crt}, {@code ca.crt}.
 */
record CsiCertificate(Map<String, String> attributes) {

  static final String DRIVER = "csi.cert-manager.io";
  static final String KEY_FILE = "csi.cert-manager.io/privatekey-file";
  static final String CERT_FILE = "csi.cert-manager.io/certificate-file";
  static final String CA_FILE = "csi.cert-manager.io/ca-file";

  private static final Map<String, String> DEFAULT_FILES =
      Map.of(KEY_FILE, "tls.key", CERT_FILE, "tls.crt", CA_FILE, "ca.crt");

  private static final List<String> VARIABLES =
      List.of("POD_NAME", "POD_NAMESPACE", "POD_UID", "SERVICE_ACCOUNT_NAME");

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]*)}|\\$([A-Za-z0-9_]+)");

  /** The CSI driver's request in {@code volume}; fails if the volume is not one. */
  static CsiCertificate of(Volume volume) {
    CSIVolumeSource csi = volume.getCsi();
    assertThat(csi).as("volume %s is a CSI volume", volume.getName()).isNotNull();
    assertThat(csi.getDriver()).as("volume %s", volume.getName()).isEqualTo(DRIVER);
    assertThat(csi.getReadOnly()).as("volume %s is read-only", volume.getName()).isTrue();
    assertThat(csi.getVolumeAttributes()).as("volume %s", volume.getName()).isNotNull();
    return new CsiCertificate(Map.copyOf(csi.getVolumeAttributes()));
  }

  /** The file name the driver writes for {@code attribute} (one of the *_FILE keys). */
  String file(String attribute) {
    return attributes.getOrDefault(attribute, DEFAULT_FILES.get(attribute));
  }

  String issuerName() {
    return attributes.get("csi.cert-manager.io/issuer-name");
  }

  String issuerKind() {
    return attributes.getOrDefault("csi.cert-manager.io/issuer-kind", "Issuer");
  }

  List<String> keyUsages() {
    return list(
        attributes.getOrDefault(
            "csi.cert-manager.io/key-usages", "digital signature,key encipherment"));
  }

  String fsGroup() {
    return attributes.get("csi.cert-manager.io/fs-group");
  }

  /** The URI SANs of the certificate of pod {@code pod} in {@code namespace}. */
  List<String> uriSans(String pod, String namespace) {
    return list(
        expand(attributes.getOrDefault("csi.cert-manager.io/uri-sans", ""), pod, namespace));
  }

  /** The DNS SANs of the certificate of pod {@code pod} in {@code namespace}. */
  List<String> dnsNames(String pod, String namespace) {
    return list(
        expand(attributes.getOrDefault("csi.cert-manager.io/dns-names", ""), pod, namespace));
  }

  private static String expand(String text, String pod, String namespace) {
    Map<String, String> values =
        Map.of(
            "POD_NAME",
            pod,
            "POD_NAMESPACE",
            namespace,
            "POD_UID",
            "00000000-0000-0000-0000-000000000000",
            "SERVICE_ACCOUNT_NAME",
            "fossil");
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      if (!values.containsKey(name)) {
        fail("the CSI driver knows only %s, not $%s (in %s)", VARIABLES, name, text);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(values.get(name)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    if (csv.isBlank()) {
      return out;
    }
    for (String part : csv.split(",", -1)) {
      out.add(part.trim());
    }
    return out;
  }
}
