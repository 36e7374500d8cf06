package io.fossil.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Finds runs of free loopback ports for clusters whose nodes use consecutive ports. */
final class Ports {

  private Ports() {}

  /** The first of {@code count} consecutive ports that are free right now. */
  static int freeRun(int count) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        free = isFree(p);
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no run of " + count + " free ports found");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
