package io.fossil.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final Principal alice = Principal.token("alice");
  private final Principal bob = Principal.token("bob");

  private void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Test
  void aBurstThenOneTokenPerPeriodWithTheWaitRoundedUpForRetryAfter() {
    RateLimiter limiter = new RateLimiter(RateLimiter.Config.perSecond(2, 3), nanos::get);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire(alice).allowed()).isTrue();
    }
    RateLimiter.Admission refused = limiter.tryAcquire(alice);
    assertThat(refused).isInstanceOf(RateLimiter.Admission.Limited.class);
    RateLimiter.Admission.Limited limited = (RateLimiter.Admission.Limited) refused;
    assertThat(limited.delay()).isEqualTo(Duration.ofMillis(500));
    assertThat(limited.retryAfterSeconds()).isEqualTo(1);

    assertThat(limiter.tryAcquire(bob).allowed()).isTrue(); // buckets are per principal

    advance(Duration.ofMillis(499));
    assertThat(limiter.tryAcquire(alice).allowed()).isFalse();
    advance(Duration.ofMillis(1));
    assertThat(limiter.tryAcquire(alice).allowed()).isTrue();
    assertThat(limiter.tryAcquire(alice).allowed()).isFalse();
  }

  @Test
  void retryAfterRoundsUpToWholeSeconds() {
    RateLimiter slow =
        new RateLimiter(
            new RateLimiter.Config(1, 2, Duration.ofSeconds(5), Duration.ofMinutes(1), 10),
            nanos::get);
    assertThat(slow.tryAcquire(alice).allowed()).isTrue();
    RateLimiter.Admission.Limited limited = (RateLimiter.Admission.Limited) slow.tryAcquire(alice);
    assertThat(limited.delay()).isEqualTo(Duration.ofMillis(2500));
    assertThat(limited.retryAfterSeconds()).isEqualTo(3);
    assertThat(new RateLimiter.Admission.Limited(Duration.ofSeconds(2)).retryAfterSeconds())
        .isEqualTo(2);
    assertThat(new RateLimiter.Admission.Limited(Duration.ofNanos(1)).retryAfterSeconds())
        .isEqualTo(1);
  }

  @Test
  void memoryStaysBoundedAndIdleBucketsGoWithoutForgivingAnyone() throws Exception {
    RateLimiter limiter =
        new RateLimiter(
            new RateLimiter.Config(3, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 50),
            nanos::get);
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire(alice);
    }
    assertThat(limiter.tryAcquire(alice).allowed()).isFalse();

    for (int i = 0; i < 1000; i++) {
      limiter.tryAcquire(Principal.token("t" + i));
      assertThat(limiter.tracked()).isLessThanOrEqualTo(50);
    }
    limiter.tryAcquire(InetAddress.getByName("192.0.2.7"));
    assertThat(limiter.tracked()).isLessThanOrEqualTo(50);

    // Idle for less than a full refill (3 s here, longer than idleAfter): alice is still limited.
    RateLimiter kept =
        new RateLimiter(
            new RateLimiter.Config(3, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 50),
            nanos::get);
    for (int i = 0; i < 4; i++) {
      kept.tryAcquire(alice);
    }
    advance(Duration.ofMillis(1500));
    kept.tryAcquire(bob); // triggers the idle sweep
    assertThat(kept.tracked()).isEqualTo(2);
    assertThat(kept.tryAcquire(alice).allowed()).isTrue();
    assertThat(kept.tryAcquire(alice).allowed()).isFalse();

    // After a full refill the bucket is dropped; a new one is as full as the old would be.
    advance(Duration.ofSeconds(3));
    kept.tryAcquire(bob);
    assertThat(kept.tracked()).isEqualTo(1);
    for (int i = 0; i < 3; i++) {
      assertThat(kept.tryAcquire(alice).allowed()).isTrue();
    }
    assertThat(kept.tryAcquire(alice).allowed()).isFalse();
  }
}
