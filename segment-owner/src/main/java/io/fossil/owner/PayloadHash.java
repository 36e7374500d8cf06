package io.fossil.owner;

import io.fossil.storage.StreamIndex;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash stored with an event id to recognise a retry (ADR 0013): SHA-256 over the event's type,
 * data and metadata, each after its length (so no two payloads share an input), truncated to 128
 * bits. A client cannot find two payloads with the same such hash, as it could for the 64-bit FNV
 * that ids written before issue 33 hold; those are still compared by FNV. Thread-safe: one digest
 * per thread.
 */
final class PayloadHash {

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
          });

  private PayloadHash() {}

  /** The first 128 bits of the payload's SHA-256, as {@code {high, low}}. */
  static long[] of(ProposedEvent e) {
    MessageDigest d = SHA256.get();
    d.reset();
    field(d, e.type().getBytes(StandardCharsets.UTF_8));
    field(d, e.data());
    field(d, e.metadata());
    byte[] h = d.digest();
    return new long[] {bigEndian(h, 0), bigEndian(h, 8)};
  }

  /** Whether {@code stored}, an id's value of either format, holds this payload's hash. */
  static boolean matches(StreamIndex.IdValue stored, ProposedEvent e, long high, long low) {
    return switch (stored.hashKind()) {
      case SHA256_128 -> stored.hashHigh() == high && stored.hashLow() == low;
      case FNV1A_64 -> stored.hashLow() == fnv1a64(e);
    };
  }

  /** The payload hash of ids written before issue 33 (framing and all, so that they match). */
  static long fnv1a64(ProposedEvent e) {
    long h = 0xcbf29ce484222325L;
    h = fnv(h, e.type().getBytes(StandardCharsets.UTF_8));
    h = fnv(h, new byte[] {0});
    h = fnv(h, e.data());
    h = fnv(h, new byte[] {0});
    return fnv(h, e.metadata());
  }

  private static long fnv(long h, byte[] bytes) {
    for (byte b : bytes) {
      h ^= b & 0xFF;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static void field(MessageDigest d, byte[] bytes) {
    int n = bytes.length;
    d.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    d.update(bytes);
  }

  private static long bigEndian(byte[] b, int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = (v << 8) | (b[i] & 0xFF);
    }
    return v;
  }
}
