package io.fossil.security;

import java.util.Objects;

/** The answer of {@link Authorizer#check}: allowed, or denied naming the missing permission. */
public sealed interface Decision {

  boolean allowed();

  /** The principal holds the permission. */
  record Allowed() implements Decision {
    @Override
    public boolean allowed() {
      return true;
    }
  }

  /**
   * The principal lacks {@code action} on {@code resource}, which says what was asked for ({@code
   * stream orders-1}, {@code category orders}, {@code consumer orders-view}; null for admin and
   * metrics). {@link #permission()} is the text a 403 problem shows.
   */
  record Denied(Action action, String resource) implements Decision {

    public Denied {
      Objects.requireNonNull(action, "action");
    }

    @Override
    public boolean allowed() {
      return false;
    }

    /**
     * For example {@code append on stream orders-1}, {@code read on category orders}, {@code
     * admin}.
     */
    public String permission() {
      return resource == null ? action.word() : action.word() + " on " + resource;
    }
  }

  Decision ALLOWED = new Allowed();
}
