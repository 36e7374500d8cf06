package io.fossil.security;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A cluster's certificate authority: an EC P-256 key and a self-signed CA certificate (path length
 * 0) that issues node certificates (SAN DNS names, IP addresses and {@code urn:fossil:node:<id>};
 * EKU serverAuth and clientAuth, since a node is both) and client certificates (SAN {@code
 * urn:fossil:client:<name>}; EKU clientAuth). Validity starts an hour before the injected clock's
 * now, to absorb clock differences between machines. What {@code fossil certs} and {@code fossil
 * dev --secure} use; a production cluster may use cert-manager instead, with the same SANs (ADR
 * 25).
 *
 * <p>Thread-safe. Failures of the JCA are {@link GeneralSecurityException}; the private key never
 * appears in {@link #toString()} or in a message.
 */
public final class CertificateAuthority {

  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Duration BACKDATE = Duration.ofHours(1);

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private CertificateAuthority(X509Certificate certificate, PrivateKey key, Clock clock) {
    this.certificate = certificate;
    this.key = key;
    this.clock = clock;
  }

  /** A new CA named {@code CN=Fossil CA <clusterName>}, valid for {@code validity}. */
  public static CertificateAuthority create(String clusterName, Duration validity, Clock clock)
      throws GeneralSecurityException {
    Objects.requireNonNull(clusterName, "clusterName");
    KeyPair pair = newKeyPair();
    X500Name name = commonName("Fossil CA " + clusterName);
    Instant now = clock.instant();
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            serial(new SecureRandom()),
            Date.from(now.minus(BACKDATE)),
            Date.from(now.plus(validity)),
            name,
            pair.getPublic());
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              ext.createSubjectKeyIdentifier(pair.getPublic()));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("the CA's extensions do not encode", e);
    }
    return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate(), clock);
  }

  /**
   * The CA in {@code certificatePem} (its first certificate) with the key in {@code keyPem}.
   *
   * @throws GeneralSecurityException if the key does not belong to the certificate, or the
   *     certificate is not a CA
   */
  public static CertificateAuthority load(Path certificatePem, Path keyPem, Clock clock)
      throws IOException, GeneralSecurityException {
    X509Certificate cert = PemFiles.readCertificates(certificatePem).get(0);
    PrivateKey key = PemFiles.readPrivateKey(keyPem);
    if (cert.getBasicConstraints() < 0) {
      throw new GeneralSecurityException(certificatePem + " is not a CA certificate");
    }
    if (!KeyPairs.match(key, cert.getPublicKey())) {
      throw new GeneralSecurityException(keyPem + " is not the key of " + certificatePem);
    }
    return new CertificateAuthority(cert, key, clock);
  }

  /** The CA certificate: what every node and client trusts ({@code ca.pem}). */
  public X509Certificate certificate() {
    return certificate;
  }

  /** Writes the CA certificate and (mode 0600) its key. */
  public void write(Path certificatePem, Path keyPem) throws IOException {
    PemFiles.writeCertificates(certificatePem, List.of(certificate));
    PemFiles.writePrivateKey(keyPem, key);
  }

  /**
   * A certificate for node {@code nodeId}, valid for the DNS names and IP addresses its peers and
   * clients dial (hostname verification checks them).
   */
  public IssuedCertificate issueNode(
      String nodeId, List<String> dnsNames, List<InetAddress> addresses, Duration validity)
      throws GeneralSecurityException {
    Principal node = Principal.node(nodeId);
    List<GeneralName> names = new ArrayList<>();
    for (String dns : dnsNames) {
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (InetAddress a : addresses) {
      names.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress()));
    }
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, node.uri()));
    return issue(
        node,
        names,
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth},
        validity);
  }

  /** A certificate a client authenticates with, naming {@code client:<name>}. */
  public IssuedCertificate issueClient(String name, Duration validity)
      throws GeneralSecurityException {
    Principal client = Principal.client(name);
    return issue(
        client,
        List.of(new GeneralName(GeneralName.uniformResourceIdentifier, client.uri())),
        new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth},
        validity);
  }

  private IssuedCertificate issue(
      Principal who, List<GeneralName> names, KeyPurposeId[] purposes, Duration validity)
      throws GeneralSecurityException {
    KeyPair pair = newKeyPair();
    Instant now = clock.instant();
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    BigInteger serial;
    synchronized (random) {
      serial = serial(random);
    }
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            certificate,
            serial,
            Date.from(now.minus(BACKDATE)),
            Date.from(now.plus(validity)),
            new X500Principal(commonName(who.name()).toString()),
            pair.getPublic());
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
          .addExtension(
              Extension.subjectAlternativeName,
              false,
              new GeneralNames(names.toArray(GeneralName[]::new)))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              ext.createSubjectKeyIdentifier(pair.getPublic()))
          .addExtension(
              Extension.authorityKeyIdentifier,
              false,
              ext.createAuthorityKeyIdentifier(certificate));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("the certificate's extensions do not encode", e);
    }
    X509Certificate leaf = sign(builder, key);
    return new IssuedCertificate(pair.getPrivate(), List.of(leaf, certificate));
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign with " + SIGNATURE, e);
    }
  }

  static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X500Name commonName(String cn) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
  }

  /** Positive and at most 20 bytes, as RFC 5280 asks. */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(159, random).add(BigInteger.ONE);
  }

  /** Shows the CA's subject only. */
  @Override
  public String toString() {
    return "CertificateAuthority[" + certificate.getSubjectX500Principal().getName() + "]";
  }
}
