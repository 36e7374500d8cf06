package io.fossil.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * A directory only its owner may enter: a node's data directory (the embedded store and the Raft
 * log hold every event, readable by anyone who can open the files, whatever the permissions file
 * says) and the credentials of {@code fossil dev --secure}. Where the file system has POSIX
 * permissions, a missing directory is created {@code rwx------} and an existing one loses its group
 * and other bits; elsewhere it is only created.
 */
final class PrivateDirectory {

  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private PrivateDirectory() {}

  /** Creates {@code dir} (and its parents) or tightens it; returns it. */
  static Path create(Path dir) throws IOException {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return dir;
      }
      Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
      if (now.removeAll(OTHERS)) {
        Files.setPosixFilePermissions(dir, now);
      }
    } catch (UnsupportedOperationException e) {
      Files.createDirectories(dir);
    }
    return dir;
  }
}
