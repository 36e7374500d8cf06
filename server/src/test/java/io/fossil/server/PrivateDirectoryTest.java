package io.fossil.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data directories are the owner's alone: created so, and tightened when found open. */
class PrivateDirectoryTest {

  @TempDir Path dir;

  @Test
  void aMissingDirectoryIsCreatedForItsOwnerOnly() throws Exception {
    Path data = PrivateDirectory.create(dir.resolve("a").resolve("data"));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
  }

  @Test
  void anExistingOpenDirectoryLosesItsGroupAndOtherBits() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(data.resolve("kept"), "x");

    PrivateDirectory.create(data);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
    assertThat(data.resolve("kept")).hasContent("x");
  }
}
