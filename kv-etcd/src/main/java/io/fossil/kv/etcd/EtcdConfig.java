package io.fossil.kv.etcd;

import io.fossil.kv.KvLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything an {@link EtcdKvStore} handle is configured with, validated here; parsed from a URI by
 * {@link EtcdUri}. Keys and defaults side by side below.
 *
 * @param endpoints the cluster members to talk to (round robin), at least one
 * @param namespace the prefix every key is stored under, non-empty, ends with {@code /}
 * @param callTimeout the deadline of every call to etcd (URI option {@code callTimeout})
 * @param maxTxnOps the server's {@code --max-txn-ops} (URI option {@code maxTxnOps})
 * @param maxRequestBytes the server's {@code --max-request-bytes} (URI option {@code
 *     maxRequestBytes})
 * @param user etcd user name, or null when auth is off (URI option {@code user})
 * @param password that user's password, or null (URI option {@code password}, the content of {@code
 *     passwordFile}, or the environment's {@code FOSSIL_STORE_PASSWORD}); never printed
 * @param tls whether to speak TLS (URI option {@code tls}; implied by the file options)
 * @param caFile PEM bundle of CAs to trust instead of the JVM's, or null (URI option {@code
 *     caFile})
 * @param certFile client certificate (PEM) for mutual TLS, or null (URI option {@code certFile})
 * @param keyFile that certificate's PKCS#8 private key (PEM), or null (URI option {@code keyFile})
 */
record EtcdConfig(
    List<Endpoint> endpoints,
    String namespace,
    Duration callTimeout,
    int maxTxnOps,
    long maxRequestBytes,
    String user,
    String password,
    boolean tls,
    Path caFile,
    Path certFile,
    Path keyFile) {

  static final String DEFAULT_NAMESPACE = "fossil/";
  static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);

  /** etcd's default {@code --max-txn-ops}. */
  static final int DEFAULT_MAX_TXN_OPS = 128;

  /** etcd's default {@code --max-request-bytes}: 1.5 MiB. */
  static final long DEFAULT_MAX_REQUEST_BYTES = 1_572_864;

  /**
   * Longest key a batch may use. etcd itself only bounds keys by the request size, but the failure
   * branch of every transaction repeats each precondition key, so the worst case of that repetition
   * (maxTxnOps × this) is reserved out of the request budget; 1 KiB keeps the reserve at 128 KiB by
   * default, and Fossil's keys (tuple-encoded stream names and ids) are far shorter.
   */
  static final int MAX_KEY_BYTES = 1024;

  /**
   * Protobuf framing per compare or operation, beyond its key and value bytes: the RequestOp and
   * inner request tags and length varints (≤ 4 bytes each at these sizes), the compare's result and
   * target enums and an int64 version (≤ 11 bytes). The largest, a version compare, needs 23; 32
   * leaves slack.
   */
  static final int PER_ENTRY_OVERHEAD = 32;

  /**
   * The raft request wrapping a transaction: request id, auth revision and header framing (the user
   * name is added separately), with generous slack.
   */
  static final int REQUEST_OVERHEAD = 4096;

  /** The smallest {@code maxRequestBytes} that leaves room for a useful batch. */
  static final long MIN_REQUEST_BYTES = 256 * 1024;

  /** One member's client address. */
  record Endpoint(String host, int port) {
    Endpoint {
      Objects.requireNonNull(host, "host");
      if (host.isEmpty()) {
        throw new IllegalArgumentException("endpoint host is empty");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("endpoint port " + port + " is not in 1..65535");
      }
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    String authority() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  EtcdConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("an etcd URI names at least one endpoint host:port");
    }
    Objects.requireNonNull(namespace, "namespace");
    if (namespace.isEmpty() || !namespace.endsWith("/")) {
      throw new IllegalArgumentException("namespace must be non-empty and end with '/'");
    }
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout must be positive, not " + callTimeout);
    }
    if (maxTxnOps < 1) {
      throw new IllegalArgumentException("maxTxnOps must be at least 1, not " + maxTxnOps);
    }
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException(
          "give both user and password (etcd auth), or neither; only "
              + (user == null ? "password" : "user")
              + " was given");
    }
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(
          "mutual TLS needs both certFile and keyFile; only "
              + (certFile == null ? "keyFile" : "certFile")
              + " was given");
    }
    if (!tls && (caFile != null || certFile != null)) {
      throw new IllegalArgumentException(
          "caFile, certFile and keyFile need TLS; drop tls=false or the file options");
    }
    if (maxRequestBytes < MIN_REQUEST_BYTES) {
      throw new IllegalArgumentException(
          "maxRequestBytes must be at least " + MIN_REQUEST_BYTES + ", not " + maxRequestBytes);
    }
    if (reservedBytes(maxTxnOps, namespace, user) > maxRequestBytes / 2) {
      throw new IllegalArgumentException(
          "maxRequestBytes="
              + maxRequestBytes
              + " is too small for maxTxnOps="
              + maxTxnOps
              + ": framing, the namespace and repeated keys would take more than half of it;"
              + " raise maxRequestBytes (and the server's --max-request-bytes) or lower maxTxnOps");
    }
  }

  /**
   * What one batch may hold so that the transaction built from it always fits the server's limits.
   *
   * <p>A batch of P preconditions and M mutations becomes one transaction of P compares, M
   * operations and up to P reads in its failure branch, and etcd refuses a request whose encoding
   * exceeds {@code --max-request-bytes}. {@link io.fossil.kv.WriteBatch#byteSize()} counts each key
   * and value once; on the wire each of the up to 3 × maxTxnOps entries also carries the namespace
   * and its framing, and each precondition key is sent twice. So: {@code maxBatchBytes =
   * maxRequestBytes − REQUEST_OVERHEAD − user − 3 × maxTxnOps × (namespace + PER_ENTRY_OVERHEAD) −
   * maxTxnOps × MAX_KEY_BYTES}; with the defaults and the {@code fossil/} namespace that is
   * 1,572,864 − 4,096 − 14,976 − 131,072 = 1,422,720 bytes. A value may use all of it but one
   * maximal key.
   */
  KvLimits limits() {
    long batchBytes = maxRequestBytes - reservedBytes(maxTxnOps, namespace, user);
    int valueBytes = (int) Math.min(Integer.MAX_VALUE - 8, batchBytes - MAX_KEY_BYTES);
    return new KvLimits(maxTxnOps, batchBytes, MAX_KEY_BYTES, valueBytes);
  }

  private static long reservedBytes(int maxTxnOps, String namespace, String user) {
    long prefix = namespace.getBytes(StandardCharsets.UTF_8).length;
    long userBytes = user == null ? 0 : user.getBytes(StandardCharsets.UTF_8).length;
    return REQUEST_OVERHEAD
        + userBytes
        + 3L * maxTxnOps * (prefix + PER_ENTRY_OVERHEAD)
        + (long) maxTxnOps * MAX_KEY_BYTES;
  }

  /** The namespace as bytes: the prefix of every key this handle stores. */
  byte[] namespaceBytes() {
    return namespace.getBytes(StandardCharsets.UTF_8);
  }

  /** Never prints the password. */
  @Override
  public String toString() {
    return "EtcdConfig[endpoints="
        + endpoints.stream().map(Endpoint::authority).toList()
        + ", namespace="
        + namespace
        + ", callTimeout="
        + callTimeout
        + ", maxTxnOps="
        + maxTxnOps
        + ", maxRequestBytes="
        + maxRequestBytes
        + ", user="
        + user
        + ", password="
        + (password == null ? null : "***")
        + ", tls="
        + tls
        + ", caFile="
        + caFile
        + ", certFile="
        + certFile
        + ", keyFile="
        + keyFile
        + "]";
  }
}
