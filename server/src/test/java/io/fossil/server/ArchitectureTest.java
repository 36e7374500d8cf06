package io.fossil.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The module rules of the README, checked on the compiled product classes (tests, {@code bench} and
 * {@code chaos} are not product code): modules depend only downwards, each framework is imported by
 * one module, and a module declares no Fossil module it does not use. A class that breaks a rule
 * fails this test with the offending dependency named.
 */
class ArchitectureTest {

  /**
   * Every product module, lowest first: its directory, its packages, and the modules it may use.
   * The order is the README's dependency order; a module may only use modules listed before it.
   */
  private record Module(String dir, String packages, List<String> mayUse) {}

  private static final Map<String, Module> MODULES = new LinkedHashMap<>();

  static {
    module("positions", "io.fossil.position..");
    module("kv-spi", "io.fossil.kv"); // the package itself; its subpackages are the backends
    module("security", "io.fossil.security..");
    module("kv-mem", "io.fossil.kv.mem..", "kv-spi");
    module("kv-rocksdb", "io.fossil.kv.rocksdb..", "kv-spi");
    module("kv-etcd", "io.fossil.kv.etcd..", "kv-spi");
    module("kv-fdb", "io.fossil.kv.fdb..", "kv-spi");
    module("storage-format", "io.fossil.storage..", "kv-spi", "positions");
    module(
        "placement", "io.fossil.placement..", "kv-spi", "positions", "security", "storage-format");
    module("segment-owner", "io.fossil.owner..", "kv-spi", "positions", "storage-format");
    module("reader", "io.fossil.reader..", "kv-spi", "positions", "storage-format", "placement");
    module(
        "compaction",
        "io.fossil.compaction..",
        "kv-spi",
        "positions",
        "storage-format",
        "placement",
        "reader");
    module(
        "router",
        "io.fossil.router..",
        "kv-spi",
        "positions",
        "security",
        "storage-format",
        "placement",
        "segment-owner",
        "reader",
        "compaction");
    module(
        "server",
        "io.fossil.server..",
        "kv-spi",
        "positions",
        "security",
        "storage-format",
        "placement",
        "segment-owner",
        "reader",
        "compaction",
        "router");
  }

  private static void module(String dir, String packages, String... mayUse) {
    for (String m : mayUse) {
      if (!MODULES.containsKey(m)) {
        throw new IllegalStateException(dir + " may only use modules listed before it: " + m);
      }
    }
    MODULES.put(dir, new Module(dir, packages, List.of(mayUse)));
  }

  private static JavaClasses product;

  @BeforeAll
  static void importProductClasses() {
    product =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.fossil");
  }

  @Test
  void theProductClassesOfEveryModuleAreOnTheClasspath() {
    // Without this a renamed package would make every rule below pass on nothing.
    for (Module m : MODULES.values()) {
      assertThat(product.stream().anyMatch(c -> inModule(c, m)))
          .as("classes of module %s (%s)", m.dir(), m.packages())
          .isTrue();
    }
  }

  @Test
  void modulesDependOnlyDownwards() {
    LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (Module m : MODULES.values()) {
      layers = layers.layer(m.dir()).definedBy(m.packages());
    }
    for (Module m : MODULES.values()) {
      layers =
          m.mayUse().isEmpty()
              ? layers.whereLayer(m.dir()).mayNotAccessAnyLayer()
              : layers.whereLayer(m.dir()).mayOnlyAccessLayers(m.mayUse().toArray(String[]::new));
    }
    layers.check(product);
  }

  @Test
  void productPackagesHaveNoCycles() {
    slices().matching("io.fossil.(*)..").should().beFreeOfCycles().check(product);
  }

  @Test
  void onlyRouterImportsVertx() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.fossil.router..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vertx..")
        .check(product);
  }

  /** Netty is Vert.x's transport, and jetcd asks for its TLS context as a Netty one. */
  @Test
  void onlyRouterAndKvEtcdImportNetty() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.fossil.router..", "io.fossil.kv.etcd..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.netty..")
        .check(product);
  }

  @Test
  void onlyPlacementImportsRatis() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.fossil.placement..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.ratis..")
        .check(product);
  }

  @Test
  void onlyKvEtcdImportsJetcd() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.fossil.kv.etcd..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.etcd..")
        .check(product);
  }

  @Test
  void onlyKvFdbImportsFoundationDb() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.fossil.kv.fdb..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.apple.foundationdb..")
        .check(product);
  }

  /**
   * A Fossil module a pom declares for compiling must be used by a class of the module (a backend
   * loaded by URI through {@code ServiceLoader} is declared with {@code runtime} scope instead).
   */
  @Test
  void everyDeclaredFossilModuleIsUsed() throws Exception {
    Path root = repositoryRoot();
    List<String> unused = new ArrayList<>();
    for (Module m : MODULES.values()) {
      for (String dependency : compileDependencies(root.resolve(m.dir()).resolve("pom.xml"))) {
        Module target = MODULES.get(dependency);
        if (target == null) {
          unused.add(m.dir() + " -> " + dependency + " (not a product module)");
        } else if (!uses(m, target)) {
          unused.add(m.dir() + " -> " + dependency);
        }
      }
    }
    assertThat(unused).as("declared Fossil dependencies no class uses").isEmpty();
  }

  private static boolean uses(Module from, Module to) {
    for (JavaClass c : product) {
      if (!inModule(c, from)) {
        continue;
      }
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        if (inModule(d.getTargetClass(), to)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean inModule(JavaClass c, Module m) {
    String p = m.packages();
    return p.endsWith("..")
        ? c.getPackageName().equals(p.substring(0, p.length() - 2))
            || c.getPackageName().startsWith(p.substring(0, p.length() - 1))
        : c.getPackageName().equals(p);
  }

  /** The module directories of the {@code io.fossil} dependencies in compile scope. */
  private static Set<String> compileDependencies(Path pom) throws Exception {
    Set<String> out = new TreeSet<>();
    Element project =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(pom.toFile())
            .getDocumentElement();
    Element dependencies = child(project, "dependencies");
    if (dependencies == null) {
      return out;
    }
    NodeList list = dependencies.getElementsByTagName("dependency");
    for (int i = 0; i < list.getLength(); i++) {
      Element d = (Element) list.item(i);
      String scope = text(d, "scope");
      if ("io.fossil".equals(text(d, "groupId")) && (scope == null || scope.equals("compile"))) {
        out.add(text(d, "artifactId").replaceFirst("^fossil-", ""));
      }
    }
    return out;
  }

  private static Element child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }

  private static Path repositoryRoot() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("mvnw")) && Files.isDirectory(p.resolve("kv-spi"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root above " + here);
  }
}
