package io.fossil.placement.ratis;

import io.fossil.security.Principal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * A command together with the principal that sent it, as the leader's gRPC interceptor stamps it
 * (ADR 27): {@code [MARKER][principal length, 2 bytes][principal "kind:name", UTF-8][command]}.
 * What the client sent becomes the command part whole, so a client cannot forge the outer layer.
 * {@link io.fossil.placement.PlacementCodec} starts every command with its format byte (1 or 2),
 * never {@link #MARKER}, so an entry written without TLS (or before it) is told apart and read as
 * it always was. Stateless.
 */
final class CallerEnvelope {

  static final byte MARKER = (byte) 0xCE;

  /** The caller and the command bytes it sent. */
  record Opened(Principal caller, byte[] command) {}

  private CallerEnvelope() {}

  static ByteString wrap(Principal caller, ByteString command) {
    byte[] name = caller.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer head = ByteBuffer.allocate(3 + name.length);
    head.put(MARKER).putShort((short) name.length).put(name).flip();
    return ByteString.copyFrom(head).concat(command);
  }

  static boolean isWrapped(ByteBuffer content) {
    return content.remaining() > 0 && content.get(content.position()) == MARKER;
  }

  /**
   * The caller and command of a wrapped entry; empty if {@code content} is not an envelope or its
   * principal does not parse. Consumes {@code content}.
   */
  static Optional<Opened> open(ByteBuffer content) {
    if (content.remaining() < 3 || content.get() != MARKER) {
      return Optional.empty();
    }
    int length = Short.toUnsignedInt(content.getShort());
    if (content.remaining() < length) {
      return Optional.empty();
    }
    byte[] name = new byte[length];
    content.get(name);
    byte[] command = new byte[content.remaining()];
    content.get(command);
    try {
      return Optional.of(
          new Opened(Principal.parse(new String(name, StandardCharsets.UTF_8)), command));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
