package dev.forgeupload.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Objects;

/**
 * A file of a job's folder, opened for reading where it really is, after checking (again, at
 * the moment of reading) that its real path is inside a root and that it is a regular file.
 */
final class SourceFile {
  /** What tells two looks at a file apart: size, modification time and identity (inode). */
  record Stat(long size, Instant mtime, Instant exactMtime, Object key) {
    boolean sameAs(Stat o) {
      return size == o.size && exactMtime.equals(o.exactMtime) && Objects.equals(key, o.key);
    }
  }

  /** The file resolves outside every root now, or is no regular file. */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  private final Path real;

  private SourceFile(Path real) {
    this.real = real;
  }

  /** {@link NoSuchFileException} when it is gone, {@link Refused} when it may not be read. */
  static SourceFile resolve(Path folder, String relativePath, SyncRoots roots) throws IOException {
    Path real = folder.resolve(relativePath).toRealPath();
    if (!roots.contains(real)) {
      throw new Refused("the file now leads outside FORGE_SYNC_ROOTS");
    }
    if (!Files.isRegularFile(real)) {
      throw new Refused("the path is no longer a regular file");
    }
    return new SourceFile(real);
  }

  Stat stat() throws IOException {
    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
    return new Stat(
        a.size(), FolderScanner.mtime(a), a.lastModifiedTime().toInstant(), a.fileKey());
  }

  InputStream open() throws IOException {
    return Files.newInputStream(real);
  }
}
