package io.fossil.security;

import io.fossil.security.StreamSelection.All;
import io.fossil.security.StreamSelection.Category;
import io.fossil.security.StreamSelection.Named;
import io.fossil.security.StreamSelection.Prefix;

/**
 * Set algebra on stream selections, decided from the patterns alone (no stream list): whether two
 * selections share a stream, and whether one holds every stream of another. Every selection holds
 * at least one possible stream name, which is what makes these exact.
 */
final class Selections {

  private Selections() {}

  /** Whether some stream name is in both. */
  static boolean overlap(StreamSelection a, StreamSelection b) {
    if (a instanceof All || b instanceof All) {
      return true;
    }
    if (a instanceof Named n) {
      return b.contains(n.stream());
    }
    if (b instanceof Named n) {
      return a.contains(n.stream());
    }
    if (a instanceof Category c && b instanceof Category d) {
      return c.name().equals(d.name());
    }
    if (a instanceof Category c && b instanceof Prefix p) {
      return categoryMeetsPrefix(c.name(), p.prefix());
    }
    if (a instanceof Prefix p && b instanceof Category c) {
      return categoryMeetsPrefix(c.name(), p.prefix());
    }
    Prefix p = (Prefix) a;
    Prefix q = (Prefix) b;
    return p.prefix().startsWith(q.prefix()) || q.prefix().startsWith(p.prefix());
  }

  /** Whether every stream of {@code inner} is in {@code outer}. */
  static boolean covers(StreamSelection outer, StreamSelection inner) {
    if (outer instanceof All) {
      return true;
    }
    if (inner instanceof All) {
      return false;
    }
    if (inner instanceof Named n) {
      return outer.contains(n.stream());
    }
    if (outer instanceof Named) {
      return false;
    }
    if (outer instanceof Category c) {
      return inner instanceof Category d
          ? c.name().equals(d.name())
          : ((Prefix) inner).prefix().startsWith(c.name() + "-");
    }
    String p = ((Prefix) outer).prefix();
    return inner instanceof Category d
        ? d.name().startsWith(p)
        : ((Prefix) inner).prefix().startsWith(p);
  }

  /**
   * A stream of category {@code c} starts with {@code p} iff {@code p} is a prefix of {@code c}
   * (the stream {@code c} itself), or {@code p} runs past {@code c} with a dash right after it.
   */
  private static boolean categoryMeetsPrefix(String c, String p) {
    return c.startsWith(p) || p.startsWith(c + "-");
  }
}
