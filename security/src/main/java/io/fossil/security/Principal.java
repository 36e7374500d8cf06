package io.fossil.security;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is calling: a node (its certificate names it), a client with a certificate, or the subject of
 * a verified token (ADR 25). Immutable and safe to share; two principals are equal when kind and
 * name are.
 *
 * <p>Its text form, {@code kind:name} ({@code node:n1}, {@code client:reporting}, {@code
 * token:alice}), is what the permissions file names. A name is 1 to 256 characters without control
 * characters; anything else is refused with {@link IllegalArgumentException}.
 */
public record Principal(Kind kind, String name) {

  /** The three ways Fossil learns who a caller is. */
  public enum Kind {
    /** A Fossil node, from the SAN URI {@code urn:fossil:node:<id>} of its certificate. */
    NODE,
    /** A client with a certificate, from the SAN URI {@code urn:fossil:client:<name>}. */
    CLIENT,
    /** A client with a bearer token, from its subject (or the configured claim). */
    TOKEN;

    /** The lower-case word used in the text form and in SAN URIs. */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final String URN_PREFIX = "urn:fossil:";
  private static final int SAN_URI = 6;

  public Principal {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > 256) {
      throw new IllegalArgumentException("a principal name has 1 to 256 characters");
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw new IllegalArgumentException("a principal name has no control characters");
      }
    }
  }

  public static Principal node(String id) {
    return new Principal(Kind.NODE, id);
  }

  public static Principal client(String name) {
    return new Principal(Kind.CLIENT, name);
  }

  public static Principal token(String subject) {
    return new Principal(Kind.TOKEN, subject);
  }

  /**
   * Parses the text form {@code kind:name}.
   *
   * @throws IllegalArgumentException if the kind is not node, client or token, or the name is
   *     invalid
   */
  public static Principal parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("a principal is written kind:name (node, client, token)");
    }
    return new Principal(kindOf(text.substring(0, colon)), text.substring(colon + 1));
  }

  static Kind kindOf(String word) {
    for (Kind k : Kind.values()) {
      if (k.word().equals(word)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown principal kind (node, client, token)");
  }

  /** The SAN URI that names this principal in a certificate; tokens have none. */
  public String uri() {
    if (kind == Kind.TOKEN) {
      throw new IllegalStateException("a token principal has no certificate URI");
    }
    return URN_PREFIX + kind.word() + ":" + name;
  }

  /**
   * The principal a certificate chain names: the single {@code urn:fossil:node:} or {@code
   * urn:fossil:client:} URI among the subject alternative names of the leaf (the first
   * certificate). Empty if the chain is empty, the leaf is not X.509, carries no such URI, or
   * carries more than one (an ambiguous certificate names nobody). The chain is not verified here:
   * call this only on a chain the TLS handshake has already trusted.
   */
  public static Optional<Principal> fromCertificates(List<? extends Certificate> chain) {
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return Optional.empty();
    }
    Collection<List<?>> names;
    try {
      names = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    Principal found = null;
    for (List<?> entry : names) {
      if (entry.size() < 2
          || !(entry.get(0) instanceof Integer type)
          || type != SAN_URI
          || !(entry.get(1) instanceof String uri)
          || !uri.startsWith(URN_PREFIX)) {
        continue;
      }
      Optional<Principal> p = fromUri(uri);
      if (p.isEmpty()) {
        continue;
      }
      if (found != null) {
        return Optional.empty();
      }
      found = p.get();
    }
    return Optional.ofNullable(found);
  }

  /** As {@link #fromCertificates(List)}, for the array an {@code SSLSession} returns. */
  public static Optional<Principal> fromCertificates(Certificate[] chain) {
    return chain == null ? Optional.empty() : fromCertificates(List.of(chain));
  }

  private static Optional<Principal> fromUri(String uri) {
    String rest = uri.substring(URN_PREFIX.length());
    int colon = rest.indexOf(':');
    if (colon <= 0) {
      return Optional.empty();
    }
    String word = rest.substring(0, colon);
    Kind kind;
    if (word.equals(Kind.NODE.word())) {
      kind = Kind.NODE;
    } else if (word.equals(Kind.CLIENT.word())) {
      kind = Kind.CLIENT;
    } else {
      return Optional.empty();
    }
    try {
      return Optional.of(new Principal(kind, rest.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return kind.word() + ":" + name;
  }
}
