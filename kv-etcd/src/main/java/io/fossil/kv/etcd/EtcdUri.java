package io.fossil.kv.etcd;

import io.fossil.kv.KvStores;
import io.fossil.kv.PercentDecoding;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code etcd://host1:2379,host2:2379/optional/namespace?option=value&...} into an {@link
 * EtcdConfig}. Every mistake is an {@link IllegalArgumentException} that quotes the URI (password
 * masked) and says what to write instead. Stateless and thread-safe.
 *
 * <p>The port defaults to 2379; an IPv6 literal goes in brackets ({@code [::1]:2379}). The path,
 * percent-decoded and without its outer slashes, is the namespace: keys are stored under {@code
 * <path>/}, or under {@code fossil/} when there is no path. Namespaces must not nest ({@code /a}
 * and {@code /a/b} overlap). Options: {@code callTimeout} (e.g. {@code 5s}, {@code 500ms}, {@code
 * 1m}, or ISO-8601 {@code PT5S}), {@code maxTxnOps}, {@code maxRequestBytes}, {@code user}, {@code
 * password}, {@code passwordFile}, {@code tls}, {@code caFile}, {@code certFile}, {@code keyFile}.
 *
 * <p>With {@code user}, the password is {@code password}, else the content of {@code passwordFile}
 * (read when the URI is parsed, trailing line breaks dropped: a Kubernetes Secret mounted as a
 * file), else the environment variable {@value KvStores#PASSWORD_VARIABLE}. The password never
 * appears in a message.
 */
final class EtcdUri {

  static final String SCHEME = "etcd";

  private static final List<String> OPTIONS =
      List.of(
          "callTimeout",
          "maxTxnOps",
          "maxRequestBytes",
          "user",
          "password",
          "passwordFile",
          "tls",
          "caFile",
          "certFile",
          "keyFile");

  private static final String FORM =
      "etcd://host:port[,host:port...][/namespace][?option=value&...]";

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private EtcdUri() {}

  /** Parses {@code uri} with the process's environment; see the class comment for its form. */
  static EtcdConfig parse(String uri) {
    return parse(uri, System::getenv);
  }

  /**
   * Parses {@code uri}, reading {@value KvStores#PASSWORD_VARIABLE} from {@code environment} when
   * the URI names a user but no password.
   */
  static EtcdConfig parse(String uri, Function<String, String> environment) {
    String shown = mask(uri);
    String prefix = SCHEME + "://";
    if (!uri.regionMatches(true, 0, prefix, 0, prefix.length())) {
      throw new IllegalArgumentException(
          "etcd store URI '" + shown + "' does not start with " + prefix + "; expected " + FORM);
    }
    String rest = uri.substring(prefix.length());
    int query = rest.indexOf('?');
    String beforeQuery = query < 0 ? rest : rest.substring(0, query);
    int slash = beforeQuery.indexOf('/');
    String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
    String path = slash < 0 ? "" : beforeQuery.substring(slash);

    List<EtcdConfig.Endpoint> endpoints = endpoints(authority, shown);
    String namespace = namespace(path, shown);
    Map<String, String> options = query < 0 ? Map.of() : options(rest.substring(query + 1), shown);

    try {
      Duration callTimeout =
          options.containsKey("callTimeout")
              ? duration("callTimeout", options.get("callTimeout"))
              : EtcdConfig.DEFAULT_CALL_TIMEOUT;
      int maxTxnOps =
          options.containsKey("maxTxnOps")
              ? (int) number("maxTxnOps", options.get("maxTxnOps"), Integer.MAX_VALUE)
              : EtcdConfig.DEFAULT_MAX_TXN_OPS;
      long maxRequestBytes =
          options.containsKey("maxRequestBytes")
              ? number("maxRequestBytes", options.get("maxRequestBytes"), Long.MAX_VALUE)
              : EtcdConfig.DEFAULT_MAX_REQUEST_BYTES;
      Path caFile = path("caFile", options.get("caFile"));
      Path certFile = path("certFile", options.get("certFile"));
      Path keyFile = path("keyFile", options.get("keyFile"));
      boolean tls =
          options.containsKey("tls")
              ? bool("tls", options.get("tls"))
              : caFile != null || certFile != null || keyFile != null;
      String user = options.get("user");
      return new EtcdConfig(
          endpoints,
          namespace,
          callTimeout,
          maxTxnOps,
          maxRequestBytes,
          user,
          password(user, options, environment),
          tls,
          caFile,
          certFile,
          keyFile);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "etcd store URI '" + shown + "': " + e.getMessage(), e.getCause());
    }
  }

  /** The URI with any password replaced by {@code ***}, for messages and logs. */
  static String mask(String uri) {
    return KvStores.redacted(uri);
  }

  /**
   * The password: the URI's {@code password}, else {@code passwordFile}'s content, else the
   * environment's {@value KvStores#PASSWORD_VARIABLE} when a user is named; null without a user.
   */
  private static String password(
      String user, Map<String, String> options, Function<String, String> environment) {
    String inline = options.get("password");
    Path file = path("passwordFile", options.get("passwordFile"));
    if (inline != null && file != null) {
      throw new IllegalArgumentException("give password or passwordFile, not both");
    }
    if (user == null) {
      if (file != null) {
        throw new IllegalArgumentException(
            "passwordFile needs user: give both user and passwordFile (etcd auth), or neither");
      }
      return inline; // a password without a user is refused by EtcdConfig
    }
    if (inline != null) {
      return inline;
    }
    if (file != null) {
      return passwordFile(file);
    }
    String variable = environment.apply(KvStores.PASSWORD_VARIABLE);
    String fromEnvironment = variable == null ? "" : withoutTrailingLineBreaks(variable);
    if (fromEnvironment.isEmpty()) {
      throw new IllegalArgumentException(
          "user '"
              + user
              + "' needs a password: give passwordFile=/path/to/file (or password=), or set "
              + KvStores.PASSWORD_VARIABLE);
    }
    return fromEnvironment;
  }

  /** The file's content as UTF-8 without its trailing line breaks; never quotes the content. */
  private static String passwordFile(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read passwordFile " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("passwordFile " + file + " is not UTF-8 text");
    }
    String password = withoutTrailingLineBreaks(text);
    if (password.isEmpty()) {
      throw new IllegalArgumentException("passwordFile " + file + " is empty");
    }
    return password;
  }

  private static String withoutTrailingLineBreaks(String text) {
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
      end--;
    }
    return text.substring(0, end);
  }

  private static List<EtcdConfig.Endpoint> endpoints(String authority, String shown) {
    if (authority.contains("@")) {
      throw new IllegalArgumentException(
          "etcd store URI '"
              + shown
              + "' has credentials before the host; pass them as ?user=NAME&passwordFile=/path"
              + " (or &password=SECRET)");
    }
    if (authority.isEmpty()) {
      throw new IllegalArgumentException(
          "etcd store URI '" + shown + "' names no endpoint; expected " + FORM);
    }
    List<EtcdConfig.Endpoint> out = new ArrayList<>();
    for (String part : authority.split(",", -1)) {
      out.add(endpoint(part.trim(), shown));
    }
    return out;
  }

  private static EtcdConfig.Endpoint endpoint(String text, String shown) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw badEndpoint(text, shown, "an IPv6 address needs its closing ']'");
      }
      host = text.substring(1, close);
      String after = text.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":")) {
        throw badEndpoint(text, shown, "expected ':port' after ']'");
      }
      port = after.isEmpty() ? null : after.substring(1);
    } else {
      int colon = text.indexOf(':');
      if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
        throw badEndpoint(text, shown, "write an IPv6 address in brackets, e.g. [::1]:2379");
      }
      host = colon < 0 ? text : text.substring(0, colon);
      port = colon < 0 ? null : text.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw badEndpoint(text, shown, "the host is missing");
    }
    if (!host.matches("[A-Za-z0-9._:%_-]+")) {
      throw badEndpoint(text, shown, "the host has characters a host name cannot have");
    }
    int portNumber = 2379;
    if (port != null) {
      try {
        portNumber = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw badEndpoint(text, shown, "the port is not a number");
      }
      if (portNumber < 1 || portNumber > 65535) {
        throw badEndpoint(text, shown, "the port is not in 1..65535");
      }
    }
    return new EtcdConfig.Endpoint(host, portNumber);
  }

  private static IllegalArgumentException badEndpoint(String text, String shown, String why) {
    return new IllegalArgumentException(
        "etcd store URI '" + shown + "' has a bad endpoint '" + text + "': " + why);
  }

  private static String namespace(String path, String shown) {
    String decoded = decode(path, shown);
    int start = 0;
    int end = decoded.length();
    while (start < end && decoded.charAt(start) == '/') {
      start++;
    }
    while (end > start && decoded.charAt(end - 1) == '/') {
      end--;
    }
    String trimmed = decoded.substring(start, end);
    if (trimmed.isEmpty()) {
      return EtcdConfig.DEFAULT_NAMESPACE;
    }
    if (trimmed.contains("//") || trimmed.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "etcd store URI '"
              + shown
              + "' has namespace '"
              + trimmed
              + "' with an empty segment or a NUL; use e.g. /fossil/prod");
    }
    return trimmed + "/";
  }

  private static Map<String, String> options(String query, String shown) {
    Map<String, String> out = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "etcd store URI '"
                + shown
                + "' has option '"
                + mask(pair)
                + "' without a name=value form; expected "
                + FORM);
      }
      String name = decode(pair.substring(0, eq), shown);
      String value = decode(pair.substring(eq + 1), shown);
      String known =
          OPTIONS.stream().filter(o -> o.equalsIgnoreCase(name)).findFirst().orElse(null);
      if (known == null) {
        throw new IllegalArgumentException(
            "etcd store URI '"
                + shown
                + "' has unknown option '"
                + name
                + "'; known options: "
                + String.join(", ", OPTIONS));
      }
      if (out.put(known, value) != null) {
        throw new IllegalArgumentException(
            "etcd store URI '" + shown + "' gives option '" + known + "' twice");
      }
    }
    return out;
  }

  private static Duration duration(String name, String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    Duration d;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
          };
    } else {
      try {
        d = Duration.parse(text.trim());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            name + "='" + text + "' is not a duration; write e.g. 5s, 500ms, 2m or PT5S");
      }
    }
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + "='" + text + "' must be positive");
    }
    return d;
  }

  private static long number(String name, String text, long max) {
    long n;
    try {
      n = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "='" + text + "' is not a whole number");
    }
    if (n < 1 || n > max) {
      throw new IllegalArgumentException(name + "='" + text + "' must be in 1.." + max);
    }
    return n;
  }

  private static boolean bool(String name, String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(name + "='" + text + "' must be true or false");
    };
  }

  private static Path path(String name, String text) {
    if (text == null) {
      return null;
    }
    if (text.isBlank()) {
      throw new IllegalArgumentException(name + " is empty; give the path of a file");
    }
    return Path.of(text);
  }

  /** Percent-decoding as in RFC 3986: '+' stays '+'. */
  private static String decode(String text, String shown) {
    try {
      return PercentDecoding.decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("etcd store URI '" + shown + "' " + e.getMessage(), e);
    }
  }
}
