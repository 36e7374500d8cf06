package io.fossil.kv.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every gRPC call on the channel a deadline (jetcd sets none, and with wait-for-ready a call
 * to an unreachable cluster would otherwise wait forever). Suits unary calls only; this backend
 * opens no watch or keep-alive streams. Stateless and thread-safe.
 */
final class DeadlineInterceptor implements ClientInterceptor {

  private final long timeoutNanos;

  DeadlineInterceptor(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    Deadline mine = Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS);
    Deadline current = options.getDeadline();
    return next.newCall(
        method, current != null && current.isBefore(mine) ? options : options.withDeadline(mine));
  }
}
