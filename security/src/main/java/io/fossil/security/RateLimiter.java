package io.fossil.security;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Request rates per principal (and per remote address for callers not yet authenticated, so bad
 * credentials are throttled too): one Bucket4j token bucket each, holding {@link Config#burst()}
 * tokens and refilled greedily at {@link Config#refillTokens()} per {@link Config#refillPeriod()}.
 *
 * <p>Memory is bounded: a bucket unused for {@link Config#idleAfter()} is dropped (never less than
 * the time a bucket takes to refill completely, so dropping it loses nothing), and beyond {@link
 * Config#maxTracked()} buckets the least recently used go first (this one can forgive a caller
 * early, which is the price of the bound).
 *
 * <p>Thread-safe and non-blocking except for an occasional sweep of idle buckets, which one caller
 * at a time does.
 */
public final class RateLimiter {

  /**
   * @param burst the most requests in a row after a quiet period
   * @param refillTokens tokens added per {@code refillPeriod}
   * @param refillPeriod the period of refills
   * @param idleAfter a bucket unused this long may be dropped
   * @param maxTracked the most buckets kept at once
   */
  public record Config(
      long burst, long refillTokens, Duration refillPeriod, Duration idleAfter, int maxTracked) {

    public Config {
      if (burst < 1 || refillTokens < 1 || maxTracked < 1) {
        throw new IllegalArgumentException("burst, refillTokens and maxTracked are at least 1");
      }
      if (refillPeriod.isNegative() || refillPeriod.isZero() || idleAfter.isNegative()) {
        throw new IllegalArgumentException("refillPeriod is positive, idleAfter not negative");
      }
    }

    /** {@code perSecond} requests a second, bursts of {@code burst}, up to 100 000 callers. */
    public static Config perSecond(long perSecond, long burst) {
      return new Config(burst, perSecond, Duration.ofSeconds(1), Duration.ofMinutes(1), 100_000);
    }

    /** How long an empty bucket takes to fill up again. */
    Duration fullRefill() {
      long periods = (burst + refillTokens - 1) / refillTokens;
      return refillPeriod.multipliedBy(periods);
    }
  }

  /** The answer of {@link #tryAcquire}. */
  public sealed interface Admission {

    boolean allowed();

    /** A token was taken: go ahead. */
    record Allowed() implements Admission {
      @Override
      public boolean allowed() {
        return true;
      }
    }

    /** No token: the next one comes after {@code delay}. */
    record Limited(Duration delay) implements Admission {
      @Override
      public boolean allowed() {
        return false;
      }

      /** {@code delay} rounded up to whole seconds, at least 1: the {@code Retry-After} value. */
      public long retryAfterSeconds() {
        long nanos = delay.toNanos();
        return Math.max(1, nanos / 1_000_000_000L + (nanos % 1_000_000_000L == 0 ? 0 : 1));
      }
    }
  }

  private static final Admission ALLOWED = new Admission.Allowed();

  private final Config config;
  private final LongSupplier nanoTime;
  private final TimeMeter meter;
  private final long idleNanos;
  private final Map<Object, Entry> buckets = new ConcurrentHashMap<>();
  private final ReentrantLock sweeping = new ReentrantLock();
  private volatile long lastSweep;

  private static final class Entry {
    final Bucket bucket;
    volatile long lastUsed;

    Entry(Bucket bucket, long now) {
      this.bucket = bucket;
      this.lastUsed = now;
    }
  }

  public RateLimiter(Config config) {
    this(config, System::nanoTime);
  }

  /** With the time source the buckets and the idle sweep read, in nanoseconds (tests). */
  RateLimiter(Config config, LongSupplier nanoTime) {
    this.config = Objects.requireNonNull(config, "config");
    this.nanoTime = nanoTime;
    this.meter =
        new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            return nanoTime.getAsLong();
          }

          @Override
          public boolean isWallClockBased() {
            return false;
          }
        };
    Duration idle =
        config.idleAfter().compareTo(config.fullRefill()) < 0
            ? config.fullRefill()
            : config.idleAfter();
    this.idleNanos = idle.toNanos();
    this.lastSweep = nanoTime.getAsLong();
  }

  /** Takes a token from the principal's bucket. */
  public Admission tryAcquire(Principal principal) {
    return acquire(Objects.requireNonNull(principal, "principal"));
  }

  /** Takes a token from the bucket of an unauthenticated caller's address. */
  public Admission tryAcquire(InetAddress remote) {
    return acquire(Objects.requireNonNull(remote, "remote"));
  }

  private Admission acquire(Object key) {
    long now = nanoTime.getAsLong();
    Entry entry = buckets.get(key);
    if (entry == null) {
      entry = buckets.computeIfAbsent(key, k -> new Entry(newBucket(), now));
      if (buckets.size() > config.maxTracked()) {
        sweep(now, true);
      }
    }
    entry.lastUsed = now;
    if (now - lastSweep >= idleNanos) {
      sweep(now, false);
    }
    ConsumptionProbe probe = entry.bucket.tryConsumeAndReturnRemaining(1);
    return probe.isConsumed()
        ? ALLOWED
        : new Admission.Limited(Duration.ofNanos(probe.getNanosToWaitForRefill()));
  }

  private Bucket newBucket() {
    return Bucket.builder()
        .addLimit(
            l ->
                l.capacity(config.burst())
                    .refillGreedy(config.refillTokens(), config.refillPeriod()))
        .withCustomTimePrecision(meter)
        .build();
  }

  /** Drops idle buckets, and when over the bound, the least recently used. */
  private void sweep(long now, boolean overBound) {
    if (!sweeping.tryLock()) {
      return;
    }
    try {
      lastSweep = now;
      buckets.values().removeIf(e -> now - e.lastUsed >= idleNanos);
      int excess = buckets.size() - config.maxTracked();
      if (overBound && excess > 0) {
        List<Map.Entry<Object, Entry>> all = new ArrayList<>(buckets.entrySet());
        all.sort(Comparator.comparingLong(e -> e.getValue().lastUsed));
        for (int i = 0; i < excess && i < all.size(); i++) {
          buckets.remove(all.get(i).getKey(), all.get(i).getValue());
        }
      }
    } finally {
      sweeping.unlock();
    }
  }

  /** How many buckets are kept now. */
  int tracked() {
    return buckets.size();
  }

  @Override
  public String toString() {
    return "RateLimiter[" + config + ", tracked=" + buckets.size() + "]";
  }
}
