package io.fossil.owner;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.ScanPage;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * Fault injection: holds back the first write matching a predicate until released, as a paused
 * process would; everything else passes straight to the real store.
 */
final class ParkingKvStore implements KvStore {

  private final KvStore delegate;
  private volatile Predicate<WriteBatch> park = b -> false;
  private final CountDownLatch parked = new CountDownLatch(1);
  private final CompletableFuture<Void> release = new CompletableFuture<>();

  ParkingKvStore(KvStore delegate) {
    this.delegate = delegate;
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
  public CompletableFuture<Optional<byte[]>> get(byte[] key) {
    return delegate.get(key);
  }

  @Override
  public CompletableFuture<ScanPage> scan(KeyRange range, int limit, boolean reverse) {
    return delegate.scan(range, limit, reverse);
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

  @Override
  public KvLimits limits() {
    return delegate.limits();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
