package io.fossil.kv;

import java.util.Objects;

/** A change to one key, applied as part of a {@link WriteBatch}. */
public sealed interface Mutation {

  /** The key the mutation changes. */
  byte[] key();

  /** Sets {@code key} to {@code value}, whether or not it was present. */
  record Put(byte[] key, byte[] value) implements Mutation {
    public Put {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "put(" + Keys.toString(key) + ")";
    }
  }

  /** Removes {@code key}; removing an absent key is not an error. */
  record Delete(byte[] key) implements Mutation {
    public Delete {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "delete(" + Keys.toString(key) + ")";
    }
  }
}
