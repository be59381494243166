package dev.forgeupload.sync;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a job's folder: the regular files whose relative path matches the pattern, with size and
 * modification time. Symbolic links (to files or folders) are followed only when their real path
 * is inside a root; a folder link back to one of its ancestors is not entered again. Nothing is
 * read but directory entries and attributes.
 */
final class FolderScanner {
  private static final Logger log = LoggerFactory.getLogger(FolderScanner.class);
  private static final int MAX_DEPTH = 128;

  /** A file seen by a scan. */
  record Seen(String path, long size, Instant mtime) {}

  /**
   * The files seen, and the relative folders that could not be listed (their files are not known
   * to be gone).
   */
  record Result(List<Seen> files, List<String> unreadable) {}

  private final SyncRoots roots;

  FolderScanner(SyncRoots roots) {
    this.roots = roots;
  }

  /** Scans {@code folder}; an IOException when the folder itself is missing or outside the roots. */
  Result scan(Path folder, Glob glob) throws IOException {
    Path real = folder.toRealPath();
    if (!roots.contains(real) || !Files.isDirectory(real)) {
      throw new IOException("the folder is no longer a folder inside FORGE_SYNC_ROOTS");
    }
    List<Seen> files = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    Set<Path> ancestors = new HashSet<>();
    ancestors.add(real);
    walk(folder, real, "", glob, files, unreadable, ancestors, 0);
    return new Result(files, unreadable);
  }

  private void walk(
      Path dir, Path realDir, String prefix, Glob glob, List<Seen> files, List<String> unreadable,
      Set<Path> ancestors, int depth) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        String rel = prefix.isEmpty() ? name : prefix + "/" + name;
        BasicFileAttributes a;
        Path real = realDir.resolve(name);
        try {
          a = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (a.isSymbolicLink()) {
            real = entry.toRealPath();
            if (!roots.contains(real)) {
              log.info("SyncSkipped path={} reason=link_outside_roots", rel);
              continue;
            }
            a = Files.readAttributes(real, BasicFileAttributes.class);
          }
        } catch (IOException e) {
          log.debug("SyncSkipped path={} reason={}", rel, e.toString()); // gone, or dangling link
          continue;
        }
        if (a.isDirectory()) {
          if (ancestors.contains(real) || depth >= MAX_DEPTH) {
            log.info("SyncSkipped path={} reason={}", rel, depth >= MAX_DEPTH ? "too_deep" : "loop");
            continue;
          }
          ancestors.add(real);
          try {
            walk(entry, real, rel, glob, files, unreadable, ancestors, depth + 1);
          } catch (IOException e) {
            log.warn("SyncFolderUnreadable path={} error={}", rel, e.toString());
            unreadable.add(rel);
          } finally {
            ancestors.remove(real);
          }
        } else if (a.isRegularFile() && glob.matches(rel)) {
          files.add(new Seen(rel, a.size(), mtime(a)));
        }
      }
    }
  }

  /** PostgreSQL keeps microseconds: what is compared is what can be stored. */
  static Instant mtime(BasicFileAttributes a) {
    return a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.MICROS);
  }
}
