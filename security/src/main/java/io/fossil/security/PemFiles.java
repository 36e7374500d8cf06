package io.fossil.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;

/**
 * Reads and writes the PEM files cert-manager and {@code fossil certs} use: certificate chains
 * ({@code CERTIFICATE} blocks, leaf first) and private keys. Keys are written as PKCS#8 ({@code
 * PRIVATE KEY}) with POSIX mode 0600, replacing the file atomically; they are read as PKCS#8, or as
 * the traditional {@code EC PRIVATE KEY} and {@code RSA PRIVATE KEY} blocks. Encrypted keys are not
 * supported. Stateless and thread-safe. Failures are {@link IOException} (the file) or {@link
 * GeneralSecurityException} (its content); a key's content never appears in a message.
 */
public final class PemFiles {

  private PemFiles() {}

  /** The chain as concatenated {@code CERTIFICATE} blocks. */
  public static String certificates(List<X509Certificate> chain) {
    StringBuilder out = new StringBuilder();
    for (X509Certificate c : chain) {
      try {
        out.append(block("CERTIFICATE", c.getEncoded()));
      } catch (CertificateException e) {
        throw new IllegalArgumentException("a certificate does not encode", e);
      }
    }
    return out.toString();
  }

  /** Writes the chain, replacing the file atomically (mode 0644 where POSIX). */
  public static void writeCertificates(Path file, List<X509Certificate> chain) throws IOException {
    write(file, certificates(chain), "rw-r--r--");
  }

  /** Writes the key as PKCS#8, replacing the file atomically, readable by its owner only. */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    write(file, block("PRIVATE KEY", key.getEncoded()), "rw-------");
  }

  /**
   * Every certificate in the file, in file order.
   *
   * @throws GeneralSecurityException if the file holds no certificate or one does not parse
   */
  public static List<X509Certificate> readCertificates(Path file)
      throws IOException, GeneralSecurityException {
    return parseCertificates(Files.readAllBytes(file), file.toString());
  }

  static List<X509Certificate> parseCertificates(byte[] pem, String where)
      throws GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    for (var c : factory.generateCertificates(new ByteArrayInputStream(pem))) {
      out.add((X509Certificate) c);
    }
    if (out.isEmpty()) {
      throw new CertificateException("no certificate in " + where);
    }
    return List.copyOf(out);
  }

  /**
   * The first private key in the file.
   *
   * @throws GeneralSecurityException if the file holds no supported, unencrypted private key
   */
  public static PrivateKey readPrivateKey(Path file) throws IOException, GeneralSecurityException {
    return parsePrivateKey(Files.readAllBytes(file), file.toString());
  }

  static PrivateKey parsePrivateKey(byte[] pem, String where) throws GeneralSecurityException {
    // Causes are dropped on purpose: a parser's message may quote the bytes it choked on.
    try (PEMParser parser =
        new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          return toKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return toKey(pair.getPrivateKeyInfo());
        }
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new GeneralSecurityException("the private key in " + where + " does not parse");
    }
    throw new GeneralSecurityException(
        "no unencrypted PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY in " + where);
  }

  /** Through the JDK's own key factories: BouncyCastle's converter names EC keys "ECDSA". */
  private static PrivateKey toKey(PrivateKeyInfo info)
      throws IOException, GeneralSecurityException {
    String algorithm =
        switch (info.getPrivateKeyAlgorithm().getAlgorithm().getId()) {
          case "1.2.840.10045.2.1" -> "EC";
          case "1.2.840.113549.1.1.1" -> "RSA";
          case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
          case "1.3.101.112" -> "Ed25519";
          default -> throw new GeneralSecurityException("unsupported key algorithm");
        };
    return KeyFactory.getInstance(algorithm)
        .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
  }

  static String block(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der).replace("\r", "");
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  static void write(Path file, String content, String mode) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("another writer is writing " + file, e);
    }
    try {
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
