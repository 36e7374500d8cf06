package io.fossil.placement.ratis;

import io.fossil.security.TlsMaterial;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * How the placement group's Raft traffic is protected (ADR 27). {@link #mutualTls} runs every gRPC
 * service of a voter (Raft, client, admin) and every client of the group over mutual TLS with the
 * node's {@link TlsMaterial}: a peer or client without a certificate from the trusted CA fails in
 * the handshake, and a voter identifies its callers by their certificates and authorizes them (see
 * {@code CallerInterceptor}). Rotated files are picked up by new handshakes, since the material's
 * key and trust managers delegate to what it loaded last; the owner of the material reloads it.
 * {@link #insecure()} is plain gRPC, as before this existed: everyone who reaches the port is
 * trusted.
 *
 * <p>Immutable and thread-safe.
 */
public final class ControlPlaneSecurity {

  private static final ControlPlaneSecurity INSECURE = new ControlPlaneSecurity(null);

  private final TlsMaterial material;

  private ControlPlaneSecurity(TlsMaterial material) {
    this.material = material;
  }

  /** Plain gRPC, no identities: anyone who reaches a voter's port may do anything. */
  public static ControlPlaneSecurity insecure() {
    return INSECURE;
  }

  /**
   * Mutual TLS with {@code material}: the node's key, its certificate chain (whose SANs must match
   * the host of its Raft address, and name it {@code urn:fossil:node:<id>}) and the cluster's CA.
   */
  public static ControlPlaneSecurity mutualTls(TlsMaterial material) {
    return new ControlPlaneSecurity(Objects.requireNonNull(material, "material"));
  }

  /** Whether callers are identified by their certificates. */
  public boolean isSecure() {
    return material != null;
  }

  /** The material, if TLS is on. */
  public Optional<TlsMaterial> material() {
    return Optional.ofNullable(material);
  }

  /** For a Raft client of the group: TLS with this node's certificate, or nothing. */
  Parameters clientParameters() {
    Parameters p = new Parameters();
    if (material != null) {
      GrpcConfigKeys.TLS.setConf(p, tls());
    }
    return p;
  }

  /**
   * For a voter: TLS on its services and on its own calls to the other voters, with {@link
   * CallerInterceptor} in front of every service. {@code isVoter} tells the ids Raft traffic may
   * come from (asked on every call, so it may change).
   */
  Parameters serverParameters(Predicate<String> isVoter) {
    Parameters p = clientParameters();
    if (material != null) {
      CallerInterceptor interceptor = new CallerInterceptor(isVoter);
      GrpcConfigKeys.Server.setServicesCustomizer(
          p, (builder, types) -> builder.intercept(interceptor));
    }
    return p;
  }

  private GrpcTlsConfig tls() {
    return new GrpcTlsConfig(material.keyManager(), material.trustManager(), true);
  }

  @Override
  public String toString() {
    return material == null
        ? "ControlPlaneSecurity[insecure]"
        : "ControlPlaneSecurity[" + material + "]";
  }
}
