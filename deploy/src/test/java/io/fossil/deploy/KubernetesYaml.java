package io.fossil.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Parses Kubernetes YAML into fabric8's typed objects, and finds what the types did not know.
 * fabric8 keeps a field it has no property for in the object's {@code additionalProperties} instead
 * of failing, so a misspelt or misplaced field ({@code livenesProbe}, a probe under the pod instead
 * of the container) would pass unnoticed; {@link #unknownFields} walks every typed object and
 * reports those.
 */
final class KubernetesYaml {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder(new YAMLFactory())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();

  private KubernetesYaml() {}

  /** Every document of {@code yaml} as a typed object; an unknown kind fails. */
  static List<HasMetadata> parse(String yaml, String source) {
    List<HasMetadata> objects = new ArrayList<>();
    try (YAMLParser parser = (YAMLParser) MAPPER.getFactory().createParser(yaml)) {
      for (var docs = MAPPER.readValues(parser, JsonNode.class); docs.hasNext(); ) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isNull() || doc.isEmpty()) {
          continue;
        }
        KubernetesResource resource = MAPPER.treeToValue(doc, KubernetesResource.class);
        if (!(resource instanceof HasMetadata object)
            || resource instanceof GenericKubernetesResource) {
          throw new IllegalArgumentException(
              source
                  + ": "
                  + doc.path("apiVersion").asText()
                  + " "
                  + doc.path("kind").asText()
                  + " is not a kind the Kubernetes model knows");
        }
        objects.add(object);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": not valid Kubernetes YAML: " + e, e);
    }
    return objects;
  }

  static List<HasMetadata> parse(Path file) {
    return parse(Repository.read(file), file.toString());
  }

  /** A plain YAML document (a kustomization) as a tree. */
  static JsonNode tree(Path file) {
    try {
      return MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": not valid YAML: " + e, e);
    }
  }

  /**
   * Where {@code object} and everything it holds carry fields their types do not define, as {@code
   * path: [names]}; empty if none.
   */
  static List<String> unknownFields(HasMetadata object) {
    List<String> found = new ArrayList<>();
    walk(object, object.getKind() + "/" + object.getMetadata().getName(), found);
    return found;
  }

  private static void walk(Object value, String path, List<String> found) {
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", found);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "[" + k + "]", found));
      return;
    }
    if (value == null
        || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        Map<?, ?> extra = (Map<?, ?>) invoke(getter, value);
        if (extra != null && !extra.isEmpty()) {
          found.add(path + ": " + extra.keySet());
        }
      } else if (getter.isAnnotationPresent(JsonProperty.class)) {
        walk(
            invoke(getter, value),
            path + "." + getter.getAnnotation(JsonProperty.class).value(),
            found);
      }
    }
  }

  private static Object invoke(Method getter, Object target) {
    try {
      return getter.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + getter, e);
    }
  }
}
