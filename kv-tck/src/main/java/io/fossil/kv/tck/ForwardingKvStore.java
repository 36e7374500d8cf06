package io.fossil.kv.tck;

import io.fossil.kv.KeyRange;
import io.fossil.kv.KvLimits;
import io.fossil.kv.KvStore;
import io.fossil.kv.ScanPage;
import io.fossil.kv.WriteBatch;
import io.fossil.kv.WriteOutcome;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A store that passes every call to a real one; fault-injecting test stores extend it and override
 * only what they disturb. For tests: fakes inject faults, they never replace the store.
 */
public abstract class ForwardingKvStore implements KvStore {

  protected final KvStore delegate;

  protected ForwardingKvStore(KvStore delegate) {
    this.delegate = delegate;
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
