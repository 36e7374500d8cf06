package io.fossil.security;

/**
 * What a {@code reloadIfChanged()} call did: nothing (the files' content is unchanged), applied new
 * content, or refused it and kept what was loaded before. A failure's reason names the file and the
 * problem, never a secret.
 */
public sealed interface Reload {

  /** The content is the one already loaded. */
  record Unchanged() implements Reload {}

  /** New content was loaded and is used from now on. */
  record Applied() implements Reload {}

  /** New content was found but refused; the previous content stays in use. */
  record Failed(String reason) implements Reload {}

  Reload UNCHANGED = new Unchanged();
  Reload APPLIED = new Applied();
}
