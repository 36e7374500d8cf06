package io.fossil.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The host names and IP addresses a node certificate is issued for, from {@code --host} values: IP
 * literals become IP address SANs (looked up nowhere), everything else must be a DNS name
 * (optionally {@code *.}-prefixed) and becomes a DNS SAN. Wildcard bind addresses ({@code 0.0.0.0},
 * {@code ::}) are nobody's address and are dropped. Immutable.
 *
 * @param dnsNames the DNS names, in the order given, without duplicates
 * @param addresses the IP addresses, in the order given, without duplicates
 */
record SubjectNames(List<String> dnsNames, List<InetAddress> addresses) {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  SubjectNames {
    dnsNames = List.copyOf(dnsNames);
    addresses = List.copyOf(addresses);
  }

  /**
   * Sorts {@code hosts} into DNS names and IP addresses.
   *
   * @throws IllegalArgumentException naming the first value that is neither an IP literal nor a DNS
   *     name
   */
  static SubjectNames of(List<String> hosts) {
    Set<String> dns = new LinkedHashSet<>();
    Set<InetAddress> ips = new LinkedHashSet<>();
    for (String raw : hosts) {
      String host = raw.trim();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (IPV4.matcher(host).matches() || host.contains(":")) {
        InetAddress address = literal(host, raw);
        if (!address.isAnyLocalAddress()) {
          ips.add(address);
        }
      } else if (isDnsName(host)) {
        dns.add(host.toLowerCase(Locale.ROOT));
      } else {
        throw new IllegalArgumentException(
            "'" + raw + "' is neither an IP address nor a DNS name (like node1.example.com)");
      }
    }
    return new SubjectNames(new ArrayList<>(dns), new ArrayList<>(ips));
  }

  private static InetAddress literal(String host, String raw) {
    if (IPV4.matcher(host).matches()) {
      for (String part : host.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          throw new IllegalArgumentException("'" + raw + "' is not an IP address");
        }
      }
    }
    try {
      // Four dotted numbers, or anything with a colon (IPv6), is parsed as a literal, never
      // looked up: getByName refuses a malformed IPv6 literal instead of resolving it.
      return InetAddress.getByName(host);
    } catch (UnknownHostException | SecurityException e) {
      throw new IllegalArgumentException("'" + raw + "' is not an IP address", null);
    }
  }

  private static boolean isDnsName(String host) {
    String name = host.startsWith("*.") ? host.substring(2) : host;
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.isEmpty() || name.length() > 253) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }
}
