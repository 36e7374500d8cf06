package io.fossil.security;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Delegates to the key manager of the current {@link TlsMaterial} load. Aliases name a load, so the
 * chain and key looked up after {@code choose*Alias} come from the load that chose it even if a
 * reload happened in between.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

  private final TlsMaterial material;

  ReloadingKeyManager(TlsMaterial material) {
    this.material = material;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return material.current().keys().getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return material.current().keys().chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return material.current().keys().chooseEngineClientAlias(keyType, issuers, engine);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return material.current().keys().getServerAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return material.current().keys().chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return material.current().keys().chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    TlsMaterial.Snapshot s = alias == null ? null : material.byAlias(alias);
    return s == null ? null : s.keys().getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    TlsMaterial.Snapshot s = alias == null ? null : material.byAlias(alias);
    return s == null ? null : s.keys().getPrivateKey(alias);
  }
}
