package io.fossil.kv.fdb;

import com.apple.foundationdb.tuple.Tuple;
import io.fossil.kv.PercentDecoding;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an {@code fdb:} store lives and how long it may take, parsed from its URI and validated in
 * the constructor.
 *
 * <pre>
 * fdb:                                           default cluster file (FDB_CLUSTER_FILE, ./fdb.cluster,
 *                                                /etc/foundationdb/fdb.cluster), prefix "fossil"
 * fdb:/etc/foundationdb/fdb.cluster?prefix=fossil&amp;transactionTimeout=5s&amp;operationTimeout=30s
 * fdb:///etc/foundationdb/fdb.cluster            the same path, file-URI style
 * </pre>
 *
 * <p>{@code prefix} is one non-empty name ({@code fossil}, {@code tenant-7/fossil}: a slash is just
 * a character). Every key of the store lives under the FoundationDB tuple encoding of that one
 * string, the subspace {@code Subspace(Tuple.from(name))} of other FoundationDB tools. Tuple
 * strings end with a 0x00 byte and a name may not contain NUL (U+0000), so the encoding of one name
 * is never a byte-prefix of another's: {@code a} contains neither {@code ab} nor {@code a/b}. (A
 * NUL would be escaped as 0x00 0xFF, putting {@code "a\0"}'s keys among those of {@code "a"}, whose
 * user keys may start with 0xFF; a path of several tuple elements fails the same way, as {@code
 * ("a")} contains {@code ("a", "b")}.) The name and the path may be percent-encoded.
 *
 * @param clusterFile the cluster file; empty = the client library's default
 * @param prefix the name whose tuple encoding prefixes every key
 * @param transactionTimeout the lifetime of one FoundationDB transaction (one attempt)
 * @param operationTimeout how long one operation keeps retrying retryable errors; an attempt that
 *     started before it ran out may finish up to {@code transactionTimeout} later
 */
record FdbStoreConfig(
    Optional<String> clusterFile,
    String prefix,
    Duration transactionTimeout,
    Duration operationTimeout) {

  static final String SCHEME = "fdb";

  static final String PREFIX = "prefix";
  static final String DEFAULT_PREFIX = "fossil";

  static final String TRANSACTION_TIMEOUT = "transactionTimeout";
  static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofSeconds(5);

  static final String OPERATION_TIMEOUT = "operationTimeout";
  static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(30);

  /** Longest encoded prefix; {@link FdbLimits} relies on it to keep batches inside 10 MB. */
  static final int MAX_PREFIX_BYTES = FdbLimits.MAX_PREFIX_BYTES;

  /** Beyond this, FoundationDB's default 5 s MVCC window has long closed on the transaction. */
  static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofSeconds(60);

  static final Duration MAX_OPERATION_TIMEOUT = Duration.ofMinutes(10);

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

  FdbStoreConfig {
    clusterFile = clusterFile.filter(f -> !f.isEmpty());
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException(
          "prefix must be a non-empty name, e.g. prefix=fossil or prefix=tenant-7/fossil");
    }
    if (prefix.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "prefix must not contain NUL (%00): its tuple encoding would overlap another prefix's"
              + " keys");
    }
    int encoded = Tuple.from(prefix).pack().length;
    if (encoded > MAX_PREFIX_BYTES) {
      throw new IllegalArgumentException(
          "prefix '"
              + prefix
              + "' takes "
              + encoded
              + " bytes once encoded; the maximum is "
              + MAX_PREFIX_BYTES
              + " (every key carries it); choose a shorter name");
    }
    requireBetween(TRANSACTION_TIMEOUT, transactionTimeout, MAX_TRANSACTION_TIMEOUT);
    requireBetween(OPERATION_TIMEOUT, operationTimeout, MAX_OPERATION_TIMEOUT);
    if (operationTimeout.compareTo(transactionTimeout) < 0) {
      throw new IllegalArgumentException(
          OPERATION_TIMEOUT
              + " ("
              + format(operationTimeout)
              + ") must be at least "
              + TRANSACTION_TIMEOUT
              + " ("
              + format(transactionTimeout)
              + "), or no attempt could finish in time");
    }
  }

  /** The key prefix: the tuple encoding of {@link #prefix()}. */
  byte[] keyPrefix() {
    return Tuple.from(prefix).pack();
  }

  /** The canonical URI of this configuration. */
  String toUri() {
    return SCHEME
        + ":"
        + clusterFile.map(FdbStoreConfig::encode).orElse("")
        + "?"
        + PREFIX
        + "="
        + encode(prefix)
        + "&"
        + TRANSACTION_TIMEOUT
        + "="
        + format(transactionTimeout)
        + "&"
        + OPERATION_TIMEOUT
        + "="
        + format(operationTimeout);
  }

  /**
   * Parses an {@code fdb:} URI.
   *
   * @throws IllegalArgumentException if it is not one, with a message that says how to fix it
   */
  static FdbStoreConfig parse(String uri) {
    int colon = uri.indexOf(':');
    if (colon < 0 || !uri.substring(0, colon).toLowerCase(Locale.ROOT).equals(SCHEME)) {
      throw new IllegalArgumentException(
          "'" + uri + "' is not an fdb: URI; expected e.g. fdb:/etc/foundationdb/fdb.cluster");
    }
    if (uri.indexOf('#') >= 0) {
      throw new IllegalArgumentException(
          "'" + uri + "' has a fragment (#...); fdb: URIs take options after '?' only");
    }
    String rest = uri.substring(colon + 1);
    int q = rest.indexOf('?');
    String path = q < 0 ? rest : rest.substring(0, q);
    String query = q < 0 ? "" : rest.substring(q + 1);
    if (path.startsWith("//")) {
      int slash = path.indexOf('/', 2);
      String authority = slash < 0 ? path.substring(2) : path.substring(2, slash);
      if (!authority.isEmpty()) {
        throw new IllegalArgumentException(
            "'"
                + uri
                + "' names a host ("
                + authority
                + "); FoundationDB is reached through a cluster file that lists its"
                + " coordinators: use fdb:/path/to/fdb.cluster, or fdb: for the default one");
      }
      path = slash < 0 ? "" : path.substring(slash);
    }
    Optional<String> clusterFile =
        path.isEmpty() ? Optional.empty() : Optional.of(decode(path, "cluster file path", uri));
    if (clusterFile.isPresent() && clusterFile.get().indexOf('\0') >= 0) {
      throw new IllegalArgumentException("the cluster file path in '" + uri + "' contains NUL");
    }

    String prefix = DEFAULT_PREFIX;
    Duration transactionTimeout = DEFAULT_TRANSACTION_TIMEOUT;
    Duration operationTimeout = DEFAULT_OPERATION_TIMEOUT;
    Set<String> seen = new HashSet<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(
            "option '" + pair + "' in '" + uri + "' has no value; write name=value");
      }
      String key = pair.substring(0, eq);
      String value = pair.substring(eq + 1);
      if (!seen.add(key)) {
        throw new IllegalArgumentException("option '" + key + "' appears twice in '" + uri + "'");
      }
      switch (key) {
        case PREFIX -> prefix = decode(value, "prefix", uri);
        case TRANSACTION_TIMEOUT -> transactionTimeout = parseDuration(key, value, uri);
        case OPERATION_TIMEOUT -> operationTimeout = parseDuration(key, value, uri);
        default ->
            throw new IllegalArgumentException(
                "unknown option '"
                    + key
                    + "' in '"
                    + uri
                    + "'; known: "
                    + PREFIX
                    + ", "
                    + TRANSACTION_TIMEOUT
                    + ", "
                    + OPERATION_TIMEOUT);
      }
    }
    return new FdbStoreConfig(clusterFile, prefix, transactionTimeout, operationTimeout);
  }

  /** Percent-encodes what {@link #parse} would otherwise read as syntax, as UTF-8. */
  private static String encode(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (c > 0x20 && c < 0x7F && "%?#&=".indexOf(c) < 0) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >>> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }

  private static Duration parseDuration(String key, String value, String uri) {
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "option '"
              + key
              + "="
              + value
              + "' in '"
              + uri
              + "' is not a duration; write a whole number with a unit: 500ms, 5s or 2m");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      default -> Duration.ofMinutes(amount);
    };
  }

  private static void requireBetween(String key, Duration value, Duration max) {
    if (value.toMillis() < 1 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          key + " must be between 1ms and " + format(max) + ", was " + format(value));
    }
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 && ms > 0 ? ms / 1000 + "s" : ms + "ms";
  }

  /** Percent-decoding to UTF-8; unlike URLDecoder, '+' stays a plus. */
  private static String decode(String s, String what, String uri) {
    try {
      return PercentDecoding.decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "bad percent-escape in the " + what + " of '" + uri + "': it " + e.getMessage(), e);
    }
  }
}
