package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.kv.tck.ForwardingKvStore;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for unknown outcomes: with probability {@code p} a write answers {@link
 * WriteOutcome.Unknown} after applying it, without applying it, or before applying it a little
 * later (the timed-out request that still lands). Reads are real. Seeded, so a failure replays.
 */
final class FaultyKvStore extends ForwardingKvStore {

  private final Random random;
  private final double p;
  final AtomicInteger injected = new AtomicInteger();

  FaultyKvStore(KvStore delegate, long seed, double p) {
    super(delegate);
    this.random = new Random(seed);
    this.p = p;
  }

  @Override
  public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
    int mode;
    int delay;
    synchronized (random) {
      mode = random.nextDouble() < p ? 1 + random.nextInt(3) : 0;
      delay = 1 + random.nextInt(20);
    }
    WriteOutcome unknown = new WriteOutcome.Unknown("injected", null);
    switch (mode) {
      case 1 -> {
        injected.incrementAndGet();
        return delegate.write(batch).thenApply(o -> unknown);
      }
      case 2 -> {
        injected.incrementAndGet();
        return CompletableFuture.completedFuture(unknown);
      }
      case 3 -> {
        injected.incrementAndGet();
        Executor later = CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS);
        CompletableFuture.runAsync(() -> delegate.write(batch), later);
        return CompletableFuture.completedFuture(unknown);
      }
      default -> {
        return delegate.write(batch);
      }
    }
  }
}
