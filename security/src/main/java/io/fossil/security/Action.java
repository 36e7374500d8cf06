package io.fossil.security;

import java.util.Locale;

/** What a principal may be allowed to do (ADR 26). */
public enum Action {
  /** Read a stream, and see it in cursor reads and live tails. Resource: the stream name. */
  READ,
  /** Append to a stream. Resource: the stream name. */
  APPEND,
  /** Read, store, wait for and delete a stored consumer cursor. Resource: the consumer name. */
  CONSUME,
  /** Move, split, merge segments, run compaction, see cluster internals. No resource. */
  ADMIN,
  /** Scrape {@code /metrics}. No resource. */
  METRICS;

  /** The word used in the permissions file and in a denial: {@code read}, {@code append}, … */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
