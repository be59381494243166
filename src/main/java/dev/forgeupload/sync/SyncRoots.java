package dev.forgeupload.sync;

import dev.forgeupload.core.UploadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The folders sync jobs may read ({@code FORGE_SYNC_ROOTS}). A job's folder must lie inside a
 * root by its name and by its real path, so a symbolic link is followed only where it stays
 * within a root; the same holds for every file and folder link met while scanning and again when
 * a file is opened.
 */
public final class SyncRoots {
  /** A root as configured (normalized) and as the file system resolves it. */
  private record Root(Path named, Path real) {}

  private final List<Root> roots;

  /**
   * {@code roots} must be absolute folders that exist; otherwise {@link IllegalArgumentException}
   * naming the bad one.
   */
  public SyncRoots(List<Path> roots) {
    List<Root> out = new ArrayList<>();
    for (Path p : roots) {
      if (!p.isAbsolute()) {
        throw new IllegalArgumentException("'" + p + "' is not an absolute path");
      }
      try {
        Path real = p.toRealPath();
        if (!Files.isDirectory(real)) {
          throw new IllegalArgumentException("'" + p + "' is not a folder");
        }
        out.add(new Root(p.normalize(), real));
      } catch (IOException e) {
        throw new IllegalArgumentException("'" + p + "' does not exist or cannot be read");
      }
    }
    this.roots = List.copyOf(out);
  }

  public boolean isEmpty() {
    return roots.isEmpty();
  }

  /** The configured roots, for the start-up log. */
  public List<Path> paths() {
    return roots.stream().map(Root::named).toList();
  }

  /** Is {@code real} (a real path) inside a root? */
  public boolean contains(Path real) {
    for (Root r : roots) {
      if (real.startsWith(r.real())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The folder a job asks for, normalized, once it is known to be a folder inside a root by name
   * and by real path; a 400 with the reason otherwise.
   */
  public Path confine(String folder) {
    if (folder == null || folder.isBlank()) {
      throw UploadException.badRequest("source_folder is required");
    }
    if (folder.length() > 4096) {
      throw UploadException.badRequest("source_folder is longer than 4096 characters");
    }
    for (int i = 0; i < folder.length(); i++) {
      if (folder.charAt(i) < 0x20 || folder.charAt(i) == 0x7f) {
        throw UploadException.badRequest("source_folder must not contain control characters");
      }
    }
    Path p;
    try {
      p = Path.of(folder);
    } catch (InvalidPathException e) {
      throw UploadException.badRequest("source_folder is not a valid path");
    }
    if (!p.isAbsolute()) {
      throw UploadException.badRequest("source_folder must be an absolute path");
    }
    Path named = p.normalize();
    if (roots.stream().noneMatch(r -> named.startsWith(r.named()) || named.startsWith(r.real()))) {
      throw UploadException.badRequest("source_folder is outside FORGE_SYNC_ROOTS");
    }
    Path real = realFolder(named);
    if (!contains(real)) {
      throw UploadException.badRequest(
          "source_folder leads outside FORGE_SYNC_ROOTS through a symbolic link");
    }
    return named;
  }

  private static Path realFolder(Path named) {
    Path real;
    try {
      real = named.toRealPath();
    } catch (NoSuchFileException e) {
      throw UploadException.badRequest("source_folder does not exist");
    } catch (IOException | SecurityException e) {
      throw UploadException.badRequest("source_folder cannot be read");
    }
    if (!Files.isDirectory(real)) {
      throw UploadException.badRequest("source_folder is not a folder");
    }
    return real;
  }
}
