package io.fossil.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;

/** Where the tests find the repository's files, and the facts they read from its build. */
final class Repository {

  /** The overlays a user deploys; each is a directory under {@code deploy/k8s/overlays}. */
  static final List<String> OVERLAYS = List.of("dev", "etcd", "fdb");

  /**
   * The overlays that run without TLS and permissions on purpose ({@code FOSSIL_INSECURE=true});
   * every other overlay must be secure (SecureOverlaysTest).
   */
  static final Set<String> INSECURE_OVERLAYS = Set.of("dev");

  private Repository() {}

  /** The repository root: {@code -Dfossil.root} (set by the build), else found from here. */
  static Path root() {
    String configured = System.getProperty("fossil.root");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("deploy/k8s"))) {
        return p;
      }
    }
    throw new IllegalStateException("run from inside the repository (no deploy/k8s above here)");
  }

  static Path k8s() {
    return root().resolve("deploy/k8s");
  }

  static Path base() {
    return k8s().resolve("base");
  }

  /** The base made secure (TLS from cert-manager, permissions), which secure overlays build on. */
  static Path secure() {
    return k8s().resolve("secure");
  }

  static Path overlay(String name) {
    return k8s().resolve("overlays").resolve(name);
  }

  /** The Maven project version ({@code -Dfossil.version}, set by the build). */
  static String projectVersion() {
    String version = System.getProperty("fossil.version");
    if (version == null) {
      throw new IllegalStateException("-Dfossil.version is not set; run the tests through Maven");
    }
    return version;
  }

  /** The text of an XPath expression over a POM, e.g. the root's {@code maven.compiler.release}. */
  static String pom(Path pom, String xpath) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Document doc = factory.newDocumentBuilder().parse(pom.toFile());
      String value =
          (String)
              XPathFactory.newInstance().newXPath().evaluate(xpath, doc, XPathConstants.STRING);
      if (value == null || value.isBlank()) {
        throw new IllegalStateException(pom + " has nothing at " + xpath);
      }
      return value.trim();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + xpath + " from " + pom, e);
    }
  }

  /** Every YAML file under {@code dir}, in a stable order. */
  static List<Path> yamlFiles(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
