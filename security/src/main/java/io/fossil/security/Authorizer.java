package io.fossil.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Answers "may this principal do this?" from the permissions file (format in {@link Permissions}),
 * which it re-reads when its content changes: the owner calls {@link #reloadIfChanged()} on its own
 * schedule. A file that does not parse is reported and ignored; the grants loaded before stay in
 * force (never "allow all", never "deny all" by accident).
 *
 * <p>Thread-safe; checks never block and never do I/O. Denials name the missing permission, for the
 * 403 problem (ADR 26).
 */
public final class Authorizer {

  private final Path file;
  private volatile Permissions permissions;
  private byte[] digest;
  private byte[] refusedDigest;

  private Authorizer(Path file, Permissions permissions, byte[] digest) {
    this.file = file;
    this.permissions = permissions;
    this.digest = digest;
  }

  /** Fixed grants, never reloaded (tests; {@code Permissions.everything()} for --insecure). */
  public static Authorizer of(Permissions permissions) {
    return new Authorizer(null, Objects.requireNonNull(permissions), null);
  }

  /**
   * Grants from {@code file}, which must parse now.
   *
   * @throws IllegalArgumentException if it does not parse (the message says where)
   */
  public static Authorizer load(Path file) throws IOException {
    FileContent content = FileContent.read(List.of(file));
    Permissions p;
    try {
      p = Permissions.parse(new String(content.bytes.get(0), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), null);
    }
    return new Authorizer(file, p, content.digest);
  }

  /**
   * Re-reads the file and applies it if its content changed and parses; a refused content is
   * reported once, until the file changes again. Always {@link Reload#UNCHANGED} for fixed grants.
   */
  public synchronized Reload reloadIfChanged() {
    if (file == null) {
      return Reload.UNCHANGED;
    }
    FileContent content;
    try {
      content = FileContent.read(List.of(file));
    } catch (IOException e) {
      return new Reload.Failed("cannot read " + file + ": " + e);
    }
    if (content.sameDigest(digest) || content.sameDigest(refusedDigest)) {
      return Reload.UNCHANGED;
    }
    try {
      permissions = Permissions.parse(new String(content.bytes.get(0), StandardCharsets.UTF_8));
      digest = content.digest;
      refusedDigest = null;
      return Reload.APPLIED;
    } catch (IllegalArgumentException e) {
      refusedDigest = content.digest;
      return new Reload.Failed(file + ": " + e.getMessage() + "; the previous grants stay");
    }
  }

  /**
   * Whether {@code principal} may do {@code action} on {@code resource}: a stream name for read and
   * append, a consumer name for consume, ignored (may be null) for admin and metrics.
   */
  public Decision check(Principal principal, Action action, String resource) {
    return permissions.check(
        Objects.requireNonNull(principal), Objects.requireNonNull(action), resource);
  }

  /** Which streams of {@code selection} the principal may read (cursor reads, live tails). */
  public ReadableStreams readable(Principal principal, StreamSelection selection) {
    return permissions.readable(
        Objects.requireNonNull(principal), Objects.requireNonNull(selection));
  }

  @Override
  public String toString() {
    return "Authorizer[" + (file == null ? "fixed" : file) + ", " + permissions + "]";
  }
}
