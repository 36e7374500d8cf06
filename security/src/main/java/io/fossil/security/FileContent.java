package io.fossil.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of a set of files and their SHA-256, read through symlinks: a change is detected by
 * content, so Kubernetes' {@code ..data} symlink swap is seen as soon as it happens (file times and
 * WatchService are not reliable for it).
 */
final class FileContent {

  final List<byte[]> bytes;
  final byte[] digest;

  private FileContent(List<byte[]> bytes, byte[] digest) {
    this.bytes = bytes;
    this.digest = digest;
  }

  static FileContent read(List<Path> files) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    List<byte[]> out = new ArrayList<>();
    for (Path f : files) {
      byte[] b = Files.readAllBytes(f);
      out.add(b);
      sha.update(longBytes(b.length));
      sha.update(b);
    }
    return new FileContent(List.copyOf(out), sha.digest());
  }

  boolean sameAs(FileContent other) {
    return other != null && MessageDigest.isEqual(digest, other.digest);
  }

  boolean sameDigest(byte[] other) {
    return other != null && Arrays.equals(digest, other);
  }

  private static byte[] longBytes(long v) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }
}
