package io.fossil.kv;

import java.util.Objects;

/** A condition on one key that must hold, at commit time, for a {@link WriteBatch} to apply. */
public sealed interface Precondition {

  /** The key the condition is about. */
  byte[] key();

  /** Whether the condition holds given the key's current value (null = absent). */
  boolean holds(byte[] current);

  /** The key must be absent. */
  record Absent(byte[] key) implements Precondition {
    public Absent {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public boolean holds(byte[] current) {
      return current == null;
    }

    @Override
    public String toString() {
      return "absent(" + Keys.toString(key) + ")";
    }
  }

  /** The key must be present, with any value. */
  record Present(byte[] key) implements Precondition {
    public Present {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public boolean holds(byte[] current) {
      return current != null;
    }

    @Override
    public String toString() {
      return "present(" + Keys.toString(key) + ")";
    }
  }

  /** The key must be present and hold exactly {@code value}. */
  record Equals(byte[] key, byte[] value) implements Precondition {
    public Equals {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean holds(byte[] current) {
      return current != null && java.util.Arrays.equals(current, value);
    }

    @Override
    public String toString() {
      return "equals(" + Keys.toString(key) + ", " + Keys.toString(value) + ")";
    }
  }
}
