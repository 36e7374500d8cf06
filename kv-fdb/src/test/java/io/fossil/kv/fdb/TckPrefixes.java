package io.fossil.kv.fdb;

/** Gives each conformance test its own short key prefix {@code tck.<test>-<random>}. */
final class TckPrefixes {

  private TckPrefixes() {}

  /**
   * The prefix path for the TCK's {@code name} ("methodName-1a2b3c4d"): the method name cut to 30
   * characters plus the random suffix, so it stays distinct and fits {@link
   * FdbLimits#MAX_PREFIX_BYTES}.
   */
  static String forTest(String name) {
    int dash = name.lastIndexOf('-');
    String method = dash < 0 ? name : name.substring(0, dash);
    String suffix = dash < 0 ? "" : name.substring(dash);
    return "tck." + (method.length() > 30 ? method.substring(0, 30) : method) + suffix;
  }
}
