package io.fossil.kv;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Opens a store by URI with whichever backend on the class path serves the URI's scheme, and shows
 * a store URI without its secrets ({@link #redacted}). Stateless and thread-safe.
 */
public final class KvStores {

  /**
   * The environment variable a backend reads a store password from when its URI names a user but no
   * password ({@code etcd://...?user=fossil}); see docs/etcd.md. Never logged.
   */
  public static final String PASSWORD_VARIABLE = "FOSSIL_STORE_PASSWORD";

  /** What a redacted secret reads as. */
  public static final String HIDDEN = "***";

  /** Words that make a query parameter's value a secret, in a lower-case parameter name. */
  private static final List<String> SECRET_WORDS =
      List.of("password", "passwd", "passphrase", "secret", "token", "credential", "apikey");

  /** Whole parameter names, lower case, that are secrets although they hold none of the words. */
  private static final List<String> SECRET_NAMES =
      List.of("pass", "pwd", "key", "api_key", "api-key", "auth", "authorization");

  /** {@code scheme://user:password@host}: everything before the last '@' of the authority. */
  private static final Pattern USER_INFO = Pattern.compile("^([^:/?#]*://)[^/?#]*@");

  private KvStores() {}

  /**
   * {@code uri} as it may be shown in a log line, a message or a status page: credentials before
   * the host ({@code etcd://user:pw@host}) become {@code ***@host}, and the value of every query
   * parameter that names a secret becomes {@value #HIDDEN}: {@code password}, {@code secret},
   * {@code token}, {@code credential}, {@code passwd}, {@code passphrase}, {@code apikey} and any
   * name containing one of them (in any case, percent-decoded), and {@code pass}, {@code pwd},
   * {@code key}, {@code auth}; except names ending in {@code File} or {@code Path}, which name the
   * file a secret is read from ({@code passwordFile=/etc/fossil/etcd/password} is shown as is).
   * Everything else is kept, so the result still says which store is meant. Never throws for a
   * malformed URI; it redacts what it can recognise.
   */
  public static String redacted(String uri) {
    Objects.requireNonNull(uri, "uri");
    String out = USER_INFO.matcher(uri).replaceFirst("$1" + HIDDEN + "@");
    int query = out.indexOf('?');
    if (query < 0) {
      return out;
    }
    int fragment = out.indexOf('#', query);
    String params = fragment < 0 ? out.substring(query + 1) : out.substring(query + 1, fragment);
    StringBuilder shown = new StringBuilder(out.length()).append(out, 0, query + 1);
    String[] pairs = params.split("&", -1);
    for (int i = 0; i < pairs.length; i++) {
      if (i > 0) {
        shown.append('&');
      }
      String pair = pairs[i];
      int eq = pair.indexOf('=');
      if (eq >= 0 && isSecret(pair.substring(0, eq))) {
        shown.append(pair, 0, eq + 1).append(HIDDEN);
      } else {
        shown.append(pair);
      }
    }
    if (fragment >= 0) {
      shown.append(out, fragment, out.length());
    }
    return shown.toString();
  }

  private static boolean isSecret(String rawName) {
    String name;
    try {
      name = PercentDecoding.decode(rawName);
    } catch (IllegalArgumentException e) {
      name = rawName;
    }
    name = name.trim().toLowerCase(Locale.ROOT);
    if (name.endsWith("file") || name.endsWith("path")) {
      return false;
    }
    return SECRET_NAMES.contains(name) || SECRET_WORDS.stream().anyMatch(name::contains);
  }

  /**
   * Opens {@code uri}.
   *
   * @throws IllegalArgumentException if the URI has no scheme or no backend serves it; the message
   *     lists the schemes that are available
   */
  public static KvStore open(String uri) {
    int colon = uri.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "store URI '"
              + redacted(uri)
              + "' has no scheme; expected e.g. mem:, rocksdb:/path, etcd://host:2379");
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    Map<String, KvStoreProvider> providers = providers();
    KvStoreProvider provider = providers.get(scheme);
    if (provider == null) {
      throw new IllegalArgumentException(
          "no storage backend for scheme '"
              + scheme
              + "' is on the class path; available: "
              + String.join(", ", providers.keySet()));
    }
    return provider.open(uri);
  }

  /** Every backend on the class path, by scheme. */
  public static Map<String, KvStoreProvider> providers() {
    Map<String, KvStoreProvider> providers = new TreeMap<>();
    for (KvStoreProvider p : ServiceLoader.load(KvStoreProvider.class)) {
      providers.put(p.scheme(), p);
    }
    return providers;
  }
}
