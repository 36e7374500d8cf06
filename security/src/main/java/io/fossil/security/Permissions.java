package io.fossil.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Who may do what: an immutable set of grants, parsed from the permissions file (ADR 26,
 * docs/security.md). The format, in JSON:
 *
 * <pre>{@code
 * {
 *   "version": 1,
 *   "grants": [
 *     { "principals": ["token:alice", "client:billing"],
 *       "read":    ["category:orders", "prefix:invoices-2026", "stream:config"],
 *       "append":  ["category:orders"],
 *       "consume": ["prefix:orders-"] },
 *     { "principals": ["token:ops"], "read": ["*"], "admin": true, "metrics": true },
 *     { "principals": ["node:*"], "admin": true },
 *     { "principals": ["*"], "read": ["category:announcements"] }
 *   ]
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@code principals}: {@code kind:name} ({@code node}, {@code client}, {@code token}, as in
 *       {@link Principal}), {@code kind:*} for every principal of a kind, or {@code *} for any
 *       authenticated principal. A principal holds the union of every grant that names it.
 *   <li>{@code read}, {@code append}: stream patterns: {@code category:C} (the stream {@code C} and
 *       every {@code C-…}), {@code prefix:P} (every name starting with P), {@code stream:S} (one
 *       stream), or {@code *}.
 *   <li>{@code consume}: consumer-name patterns: {@code prefix:P}, {@code consumer:N}, or {@code
 *       *}. It covers reading, storing, waiting for and deleting stored cursors.
 *   <li>{@code admin}, {@code metrics}: {@code true} to grant; absent means {@code false}.
 * </ul>
 *
 * There is no deny: what is not granted is refused. Unknown fields are errors, so a typo cannot
 * silently grant or withhold. Immutable and thread-safe; {@link #parse} throws {@link
 * IllegalArgumentException} naming the place of the first error.
 */
public final class Permissions {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> GRANT_FIELDS =
      Set.of("principals", "read", "append", "consume", "admin", "metrics");

  /** One grant: its principal patterns and what it allows. */
  record Grant(
      List<String> principals,
      List<StreamSelection> read,
      List<StreamSelection> append,
      List<StreamSelection> consume,
      boolean admin,
      boolean metrics) {

    boolean names(Principal p) {
      for (String pattern : principals) {
        if (pattern.equals("*")
            || pattern.equals(p.kind().word() + ":*")
            || pattern.equals(p.toString())) {
          return true;
        }
      }
      return false;
    }
  }

  private final List<Grant> grants;

  private Permissions(List<Grant> grants) {
    this.grants = List.copyOf(grants);
  }

  /** Nothing is granted to anyone. */
  public static Permissions none() {
    return new Permissions(List.of());
  }

  /** Every permission for every principal: what {@code --insecure} runs with. */
  public static Permissions everything() {
    StreamSelection all = StreamSelection.all();
    return new Permissions(
        List.of(new Grant(List.of("*"), List.of(all), List.of(all), List.of(all), true, true)));
  }

  /**
   * Parses the permissions file's content.
   *
   * @throws IllegalArgumentException if it is not the format above; the message names where
   */
  public static Permissions parse(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "not JSON (line " + e.getLocation().getLineNr() + ")", null);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the file holds one JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("version") && !f.equals("grants")) {
        throw new IllegalArgumentException("unknown field \"" + f + "\" (version, grants)");
      }
    }
    if (!root.path("version").isInt() || root.path("version").intValue() != 1) {
      throw new IllegalArgumentException("\"version\": 1 is required");
    }
    JsonNode list = root.path("grants");
    if (!list.isArray()) {
      throw new IllegalArgumentException("\"grants\" is a list");
    }
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      grants.add(grant(list.get(i), "grants[" + i + "]"));
    }
    return new Permissions(grants);
  }

  private static Grant grant(JsonNode g, String where) {
    if (!g.isObject()) {
      throw new IllegalArgumentException(where + " is an object");
    }
    for (Iterator<String> it = g.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!GRANT_FIELDS.contains(f)) {
        throw new IllegalArgumentException(where + ": unknown field \"" + f + "\" " + GRANT_FIELDS);
      }
    }
    List<String> principals = strings(g, "principals", where);
    if (principals.isEmpty()) {
      throw new IllegalArgumentException(where + ".principals names at least one principal");
    }
    for (int i = 0; i < principals.size(); i++) {
      checkPrincipalPattern(principals.get(i), where + ".principals[" + i + "]");
    }
    return new Grant(
        principals,
        streams(g, "read", where),
        streams(g, "append", where),
        consumers(g, where),
        flag(g, "admin", where),
        flag(g, "metrics", where));
  }

  private static void checkPrincipalPattern(String p, String where) {
    if (p.equals("*")) {
      return;
    }
    try {
      int colon = p.indexOf(':');
      if (colon > 0 && p.substring(colon + 1).equals("*")) {
        Principal.kindOf(p.substring(0, colon));
      } else {
        Principal.parse(p);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          where + ": \"" + p + "\" is not kind:name, kind:* or * (" + e.getMessage() + ")", null);
    }
  }

  private static List<StreamSelection> streams(JsonNode g, String field, String where) {
    List<StreamSelection> out = new ArrayList<>();
    List<String> patterns = strings(g, field, where);
    for (int i = 0; i < patterns.size(); i++) {
      String p = patterns.get(i);
      String at = where + "." + field + "[" + i + "]";
      out.add(
          pattern(p, at, "category:", "prefix:", "stream:", "category:C, prefix:P, stream:S or *"));
    }
    return out;
  }

  private static List<StreamSelection> consumers(JsonNode g, String where) {
    List<StreamSelection> out = new ArrayList<>();
    List<String> patterns = strings(g, "consume", where);
    for (int i = 0; i < patterns.size(); i++) {
      String at = where + ".consume[" + i + "]";
      out.add(
          pattern(patterns.get(i), at, null, "prefix:", "consumer:", "prefix:P, consumer:N or *"));
    }
    return out;
  }

  private static StreamSelection pattern(
      String p, String where, String category, String prefix, String exact, String expected) {
    try {
      if (p.equals("*")) {
        return StreamSelection.all();
      }
      if (category != null && p.startsWith(category)) {
        return StreamSelection.category(p.substring(category.length()));
      }
      if (p.startsWith(prefix)) {
        return StreamSelection.prefix(p.substring(prefix.length()));
      }
      if (p.startsWith(exact)) {
        return StreamSelection.stream(p.substring(exact.length()));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), null);
    }
    throw new IllegalArgumentException(where + ": \"" + p + "\" is not " + expected);
  }

  private static List<String> strings(JsonNode g, String field, String where) {
    JsonNode n = g.get(field);
    if (n == null) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new IllegalArgumentException(where + "." + field + " is a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException(where + "." + field + " is a list of strings");
      }
      out.add(e.textValue());
    }
    return out;
  }

  private static boolean flag(JsonNode g, String field, String where) {
    JsonNode n = g.get(field);
    if (n == null) {
      return false;
    }
    if (!n.isBoolean()) {
      throw new IllegalArgumentException(where + "." + field + " is true or false");
    }
    return n.booleanValue();
  }

  Decision check(Principal principal, Action action, String resource) {
    for (Grant g : grants) {
      if (g.names(principal) && grants(g, action, resource)) {
        return Decision.ALLOWED;
      }
    }
    return new Decision.Denied(action, describe(action, resource));
  }

  private static String describe(Action action, String resource) {
    return switch (action) {
      case READ, APPEND -> "stream " + resource;
      case CONSUME -> "consumer " + resource;
      case ADMIN, METRICS -> null;
    };
  }

  private static boolean grants(Grant g, Action action, String resource) {
    return switch (action) {
      case READ -> anyContains(g.read(), resource);
      case APPEND -> anyContains(g.append(), resource);
      case CONSUME -> anyContains(g.consume(), resource);
      case ADMIN -> g.admin();
      case METRICS -> g.metrics();
    };
  }

  private static boolean anyContains(List<StreamSelection> patterns, String name) {
    if (name == null) {
      return false;
    }
    for (StreamSelection p : patterns) {
      if (p.contains(name)) {
        return true;
      }
    }
    return false;
  }

  ReadableStreams readable(Principal principal, StreamSelection selection) {
    List<StreamSelection> relevant = new ArrayList<>();
    boolean covered = false;
    for (Grant g : grants) {
      if (!g.names(principal)) {
        continue;
      }
      for (StreamSelection p : g.read()) {
        if (Selections.overlap(p, selection)) {
          relevant.add(p);
          covered |= Selections.covers(p, selection);
        }
      }
    }
    return new ReadableStreams(selection, relevant, covered);
  }

  @Override
  public String toString() {
    return "Permissions[" + grants.size() + " grants]";
  }
}
