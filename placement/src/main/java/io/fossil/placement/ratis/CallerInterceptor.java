package io.fossil.placement.ratis;

import io.fossil.security.Principal;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.ClientMessageEntryProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.grpc.AdminProtocolServiceGrpc;
import org.apache.ratis.proto.grpc.RaftClientProtocolServiceGrpc;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCall;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, from the certificate the TLS handshake verified, who may call a voter's gRPC services
 * (ADR 27):
 *
 * <ul>
 *   <li>Raft's server-to-server service: only the voters, each speaking as itself (the request's
 *       requestor id is the node its certificate names), so one voter cannot pose as another. The
 *       voters are the ones configured on this node and every member of its current Raft
 *       configuration, so voters added later (ADR 29) are known without a restart.
 *   <li>Raft's client service: any node. Every command it writes is wrapped in a {@link
 *       CallerEnvelope} naming that node, which the state machine checks in apply; streams and
 *       forwarded requests are refused.
 *   <li>Ratis' admin service: reading the group's information from any node; changing its
 *       configuration only from a voter, which checked its own caller's {@code admin} permission
 *       (ADR 29); the rest (group removal, snapshots, leadership transfer) from nobody.
 * </ul>
 *
 * A refusal ends the call with {@code PERMISSION_DENIED} before the service sees the message.
 * Thread-safe; one per voter.
 */
final class CallerInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(CallerInterceptor.class);

  private static final String GROUP_INFO =
      AdminProtocolServiceGrpc.getGroupInfoMethod().getFullMethodName();
  private static final String SET_CONFIGURATION =
      AdminProtocolServiceGrpc.getSetConfigurationMethod().getFullMethodName();

  private final Predicate<String> isVoter;

  /** {@code isVoter} tells whether a node id is a voter now; it is asked on every call. */
  CallerInterceptor(Predicate<String> isVoter) {
    this.isVoter = isVoter;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String service = call.getMethodDescriptor().getServiceName();
    Optional<Principal> caller = caller(call);
    if (caller.isEmpty() || caller.get().kind() != Principal.Kind.NODE) {
      return refuse(call, "the caller's certificate names no Fossil node", caller);
    }
    Principal node = caller.get();
    if (RaftServerProtocolServiceGrpc.SERVICE_NAME.equals(service)) {
      if (!isVoter.test(node.name())) {
        return refuse(call, "node " + node.name() + " is not a placement voter", caller);
      }
      Guarded<Q, A> guarded = new Guarded<>(call);
      return new Checked<>(next.startCall(guarded, headers), guarded, node);
    }
    if (RaftClientProtocolServiceGrpc.SERVICE_NAME.equals(service)) {
      Guarded<Q, A> guarded = new Guarded<>(call);
      return new Checked<>(next.startCall(guarded, headers), guarded, node);
    }
    String method = call.getMethodDescriptor().getFullMethodName();
    if (GROUP_INFO.equals(method)) {
      return next.startCall(call, headers);
    }
    if (SET_CONFIGURATION.equals(method)) {
      return isVoter.test(node.name())
          ? next.startCall(call, headers)
          : refuse(
              call, "node " + node.name() + " is not a voter; only voters change them", caller);
    }
    return refuse(call, "the method " + method + " is closed to every caller", caller);
  }

  private static Optional<Principal> caller(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return Optional.empty();
    }
    try {
      return Principal.fromCertificates(session.getPeerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }

  private static <Q, A> ServerCall.Listener<Q> refuse(
      ServerCall<Q, A> call, String why, Optional<Principal> caller) {
    LOG.warn(
        "refused {} from {}: {}",
        call.getMethodDescriptor().getFullMethodName(),
        caller.map(Principal::toString).orElse("an unnamed caller"),
        why);
    call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /**
   * Checks (and, for client writes, wraps) each message before the service sees it; after a refusal
   * it drops the rest of the stream's messages.
   */
  private static final class Checked<Q, A> extends ForwardingServerCallListener<Q> {

    private final ServerCall.Listener<Q> delegate;
    private final Guarded<Q, A> call;
    private final Principal node;

    Checked(ServerCall.Listener<Q> delegate, Guarded<Q, A> call, Principal node) {
      this.delegate = delegate;
      this.call = call;
      this.node = node;
    }

    @Override
    protected ServerCall.Listener<Q> delegate() {
      return delegate;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onMessage(Q message) {
      if (call.isRefused()) {
        return;
      }
      Object checked;
      try {
        checked = check(message);
      } catch (SecurityException e) {
        LOG.warn(
            "refused {} from {}: {}",
            call.getMethodDescriptor().getFullMethodName(),
            node,
            e.getMessage());
        call.refuse(e.getMessage());
        return;
      }
      super.onMessage((Q) checked);
    }

    private Object check(Object message) {
      if (message instanceof RaftClientRequestProto r) {
        return wrap(r);
      }
      RaftRpcRequestProto rpc;
      if (message instanceof AppendEntriesRequestProto r) {
        rpc = r.getServerRequest();
      } else if (message instanceof RequestVoteRequestProto r) {
        rpc = r.getServerRequest();
      } else if (message instanceof InstallSnapshotRequestProto r) {
        rpc = r.getServerRequest();
      } else if (message instanceof ReadIndexRequestProto r) {
        rpc = r.getServerRequest();
      } else if (message instanceof StartLeaderElectionRequestProto r) {
        rpc = r.getServerRequest();
      } else {
        throw new SecurityException("unexpected message " + message.getClass().getSimpleName());
      }
      String requestor = rpc.getRequestorId().toStringUtf8();
      if (!requestor.equals(node.name())) {
        throw new SecurityException(
            "node " + node.name() + " may not speak for voter " + requestor);
      }
      return message;
    }

    private RaftClientRequestProto wrap(RaftClientRequestProto r) {
      switch (r.getTypeCase()) {
        case READ, STALEREAD, WATCH:
          return r;
        case WRITE:
          return r.toBuilder()
              .setMessage(
                  ClientMessageEntryProto.newBuilder()
                      .setContent(CallerEnvelope.wrap(node, r.getMessage().getContent())))
              .build();
        default:
          throw new SecurityException("a " + r.getTypeCase() + " request is not accepted");
      }
    }
  }

  /**
   * The call as the service sees it: its methods never overlap (gRPC asks for that; the service
   * answers on its own threads while a refusal comes from the listener's), and after a refusal
   * whatever the service still sends is dropped.
   */
  private static final class Guarded<Q, A>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {

    private boolean refused;
    private boolean closed;

    Guarded(ServerCall<Q, A> call) {
      super(call);
    }

    synchronized boolean isRefused() {
      return refused;
    }

    synchronized void refuse(String why) {
      refused = true;
      if (!closed) {
        closed = true;
        super.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(A message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized void request(int n) {
      super.request(n);
    }

    @Override
    public synchronized boolean isReady() {
      return super.isReady();
    }
  }
}
