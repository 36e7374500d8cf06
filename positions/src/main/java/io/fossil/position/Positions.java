package io.fossil.position;

import java.util.OptionalLong;

/**
 * Orders global positions and cursors from their segment identities alone, with no call to the
 * cluster (ADR 0017). Stateless and thread-safe.
 *
 * <ul>
 *   <li>{@link Order#BEFORE}: everything the first has reached, the second has reached too, and the
 *       second has reached more.
 *   <li>{@link Order#EQUAL}: both have reached the same events.
 *   <li>{@link Order#AFTER}: the mirror of {@code BEFORE}.
 *   <li>{@link Order#CONCURRENT}: the identities do not order them. Two events of streams on
 *       unrelated parts of the ring have no order that Fossil promises (a cursor walk may deliver
 *       them either way); two cursors are concurrent when each has read something the other has
 *       not.
 * </ul>
 *
 * A position compared with a cursor is {@code BEFORE} when the cursor's walk has passed it, {@code
 * EQUAL} when it is the last event the cursor read in that segment, {@code AFTER} otherwise.
 */
public final class Positions {

  /** How the first argument relates to the second. */
  public enum Order {
    BEFORE,
    EQUAL,
    AFTER,
    CONCURRENT;

    Order reversed() {
      return switch (this) {
        case BEFORE -> AFTER;
        case AFTER -> BEFORE;
        default -> this;
      };
    }
  }

  private Positions() {}

  /** Two events: ordered when one's segment is the other's or an ancestor of it. */
  public static Order compare(GlobalPosition a, GlobalPosition b) {
    if (a.segment().equals(b.segment())) {
      return a.counter() < b.counter()
          ? Order.BEFORE
          : a.counter() == b.counter() ? Order.EQUAL : Order.AFTER;
    }
    if (a.segment().isAncestorOf(b.segment())) {
      return Order.BEFORE;
    }
    if (b.segment().isAncestorOf(a.segment())) {
      return Order.AFTER;
    }
    return Order.CONCURRENT;
  }

  /** An event and a cursor: has the cursor's walk reached the event? */
  public static Order compare(GlobalPosition p, Cursor c) {
    if (!c.contains(p)) {
      return Order.AFTER;
    }
    OptionalLong read = c.counterOf(p.segment());
    return read.isPresent() && read.getAsLong() == p.counter() ? Order.EQUAL : Order.BEFORE;
  }

  public static Order compare(Cursor c, GlobalPosition p) {
    return compare(p, c).reversed();
  }

  /**
   * Two cursors of one cluster: does one's walk include everything the other's has reached?
   *
   * @throws IllegalArgumentException if they come from different clusters, or from walks of
   *     different selections (each has read only its own streams)
   */
  public static Order compare(Cursor a, Cursor b) {
    if (a.clusterTag() != b.clusterTag()) {
      throw new IllegalArgumentException("the two cursors come from different clusters");
    }
    if (a.selectionTag() != b.selectionTag() && !a.entries().isEmpty() && !b.entries().isEmpty()) {
      throw new IllegalArgumentException(
          "the two cursors come from walks of different selections (category, prefix, partition)");
    }
    boolean aInB = includes(b, a);
    boolean bInA = includes(a, b);
    if (aInB && bInA) {
      return Order.EQUAL;
    }
    if (aInB) {
      return Order.BEFORE;
    }
    if (bInA) {
      return Order.AFTER;
    }
    return Order.CONCURRENT;
  }

  /**
   * Compares two texts, each a global position ({@code seq:first-last@counter}) or a cursor token.
   *
   * @throws IllegalArgumentException if either is neither
   */
  public static Order compare(String a, String b) {
    Object x = parse(a);
    Object y = parse(b);
    if (x instanceof GlobalPosition p) {
      return y instanceof GlobalPosition q ? compare(p, q) : compare(p, (Cursor) y);
    }
    return y instanceof GlobalPosition q ? compare((Cursor) x, q) : compare((Cursor) x, (Cursor) y);
  }

  /** A global position or a cursor, told apart by the {@code @} only positions have. */
  public static Object parse(String text) {
    return text.indexOf('@') >= 0 ? GlobalPosition.parse(text) : Cursor.decode(text);
  }

  /** Whether {@code outer}'s walk has reached everything {@code inner}'s has. */
  private static boolean includes(Cursor outer, Cursor inner) {
    for (Cursor.Entry e : inner.entries()) {
      if (outer.covers(e.segment())) {
        continue;
      }
      OptionalLong read = outer.counterOf(e.segment());
      if (read.isEmpty() || read.getAsLong() < e.counter()) {
        return false;
      }
    }
    return true;
  }
}
