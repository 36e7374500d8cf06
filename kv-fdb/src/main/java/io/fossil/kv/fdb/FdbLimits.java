package io.fossil.kv.fdb;

import io.fossil.kv.KvLimits;
import io.fossil.kv.Mutation;
import io.fossil.kv.Precondition;
import io.fossil.kv.WriteBatch;

/**
 * FoundationDB's limits (7.3 defaults, see its "Known limitations" page) and the {@link KvLimits} a
 * store derives from them, chosen so that no batch that passes {@link KvLimits#check} can hit
 * {@code transaction_too_large} (2101), {@code key_too_large} (2102) or {@code value_too_large}
 * (2103).
 *
 * <h2>How {@code maxBatchBytes} was computed</h2>
 *
 * FoundationDB counts a transaction as the bytes of its mutations, read conflict ranges and write
 * conflict ranges, each element also costing its in-memory header ({@code Transaction::getSize()}
 * in {@code NativeAPI.actor.cpp}: {@code sizeof(MutationRef)} = 48, {@code sizeof(KeyRangeRef)} =
 * 32 on 64-bit). With {@code K = prefix + key} for one element of a batch:
 *
 * <ul>
 *   <li>precondition: a read conflict range {@code [K, K+0x00)}: {@code 32 + 2K + 1}
 *   <li>put: a set mutation {@code 48 + K + value} and a write conflict range {@code 32 + 2K + 1}
 *   <li>delete: a clear-range mutation {@code 48 + 2K + 1} and a write conflict range {@code 32 +
 *       2K + 1}
 * </ul>
 *
 * So a batch of {@code B} = {@link WriteBatch#byteSize()} bytes, at most {@code n} preconditions
 * and {@code n} mutations and a prefix of {@code p} bytes costs at most {@code 4B + n(115 + 6p)}
 * (deletes are the worst: 4 bytes per key byte). With {@code B = }{@value #MAX_BATCH_BYTES}, {@code
 * n = }{@value #MAX_OPERATIONS} and {@code p = }{@value #MAX_PREFIX_BYTES} that is at most 8.03 MB,
 * under a budget of {@value #TRANSACTION_BUDGET} bytes that leaves 10% of FoundationDB's 10 MB for
 * anything this model misses. One megabyte of payload also matches FoundationDB's advice that a
 * transaction above one megabyte of affected data calls for a different design.
 *
 * <h2>Why 10,000 operations</h2>
 *
 * FoundationDB has no operation count limit, but every operation costs fixed bytes of the 10 MB
 * budget (115 + 6p above) and every precondition is one read future on the client. 10,000 keeps
 * that overhead under 1.5 MB, lets the conformance suite's 10,000-key batch through, and is far
 * above what one group commit of appends needs.
 *
 * <p>Time is the fourth limit: a transaction older than 5 s can no longer read or commit ({@code
 * transaction_too_old}), so one attempt must fit in {@link FdbStoreConfig#transactionTimeout()}.
 */
final class FdbLimits {

  /** FoundationDB's default {@code transaction_size_limit}. */
  static final long TRANSACTION_SIZE_LIMIT = 10_000_000;

  /** What a batch may cost by {@link #transactionBytes}: 90% of the limit. */
  static final long TRANSACTION_BUDGET = 9_000_000;

  /** FoundationDB's key size limit, for the whole stored key (prefix included). */
  static final int KEY_SIZE_LIMIT = 10_000;

  /** FoundationDB's value size limit. */
  static final int VALUE_SIZE_LIMIT = 100_000;

  static final int MAX_OPERATIONS = 10_000;
  static final long MAX_BATCH_BYTES = 1_000_000;

  /** The longest key prefix the bound above allows for. */
  static final int MAX_PREFIX_BYTES = 48;

  /** {@code sizeof(MutationRef)} on 64-bit platforms (a type byte, two StringRefs, a flag). */
  static final int MUTATION_OVERHEAD = 48;

  /** {@code sizeof(KeyRangeRef)} on 64-bit platforms (two StringRefs). */
  static final int CONFLICT_RANGE_OVERHEAD = 32;

  private FdbLimits() {}

  /** The limits of a store whose keys carry a prefix of {@code prefixLength} bytes. */
  static KvLimits forPrefix(int prefixLength) {
    if (prefixLength < 1 || prefixLength > MAX_PREFIX_BYTES) {
      throw new IllegalArgumentException(
          "prefix length must be between 1 and " + MAX_PREFIX_BYTES + ", was " + prefixLength);
    }
    return new KvLimits(
        MAX_OPERATIONS, MAX_BATCH_BYTES, KEY_SIZE_LIMIT - prefixLength, VALUE_SIZE_LIMIT);
  }

  /**
   * What FoundationDB will count for {@code batch} written the way {@link FdbKvStore} writes it,
   * before any merging of conflict ranges (which only lowers the count).
   */
  static long transactionBytes(WriteBatch batch, int prefixLength) {
    long total = 0;
    for (Precondition p : batch.preconditions()) {
      total += conflictRange(prefixLength + p.key().length);
    }
    for (Mutation m : batch.mutations()) {
      long k = prefixLength + m.key().length;
      if (m instanceof Mutation.Put put) {
        total += MUTATION_OVERHEAD + k + put.value().length;
      } else {
        total += MUTATION_OVERHEAD + 2 * k + 1;
      }
      total += conflictRange(k);
    }
    return total;
  }

  /** The worst case of {@link #transactionBytes} for any batch within {@code limits}. */
  static long worstCaseTransactionBytes(KvLimits limits, int prefixLength) {
    long perOperation =
        CONFLICT_RANGE_OVERHEAD
            + 1
            + 2L * prefixLength
            + MUTATION_OVERHEAD
            + 1
            + CONFLICT_RANGE_OVERHEAD
            + 1
            + 4L * prefixLength;
    return 4 * limits.maxBatchBytes() + (long) limits.maxOperations() * perOperation;
  }

  private static long conflictRange(long storedKeyLength) {
    return CONFLICT_RANGE_OVERHEAD + 2 * storedKeyLength + 1;
  }
}
