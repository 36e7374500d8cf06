package io.fossil.owner;

import io.fossil.kv.KvStore;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import io.fossil.kv.tck.ForwardingKvStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * Fault injection: holds back the first write matching a predicate until released, as a paused
 * process would; everything else passes straight to the real store.
 */
final class ParkingKvStore extends ForwardingKvStore {

  private volatile Predicate<WriteBatch> park = b -> false;
  private final CountDownLatch parked = new CountDownLatch(1);
  private final CompletableFuture<Void> release = new CompletableFuture<>();

  ParkingKvStore(KvStore delegate) {
    super(delegate);
  }

  void parkNext(Predicate<WriteBatch> which) {
    park = which;
  }

  CountDownLatch parked() {
    return parked;
  }

  void release() {
    release.complete(null);
  }

  @Override
  public CompletableFuture<WriteOutcome> write(WriteBatch batch) {
    Predicate<WriteBatch> p = park;
    if (p.test(batch)) {
      park = b -> false;
      parked.countDown();
      return release.thenComposeAsync(x -> delegate.write(batch));
    }
    return delegate.write(batch);
  }
}
