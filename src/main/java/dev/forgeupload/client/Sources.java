package dev.forgeupload.client;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The files the command line names: a file as it is, a folder with every regular file below it
 * whose path relative to the folder matches the pattern (in name order). Symbolic links to files
 * are followed; links to folders are not descended (no cycles, nothing outside the folder by
 * surprise). A file named twice (directly and through a folder, or by two routes) is sent once.
 */
final class Sources {
  /**
   * One file to send: where it is, how it is shown and reported ({@code label}), the name sent
   * as {@code filename} and {@code relativePath} metadata, and its size and modification time
   * when it was found; {@code problem} is set when it cannot be read.
   */
  record Source(Path file, Path realPath, String label, String filename, String relativePath,
      long size, long mtimeMillis, String problem) {}

  /** A command-line path that does not exist. */
  static final class Missing extends Exception {
    private static final long serialVersionUID = 1L;

    Missing(String message) {
      super(message);
    }
  }

  private Sources() {}

  static List<Source> expand(List<Path> paths, Glob pattern) throws Missing, IOException {
    List<Source> out = new ArrayList<>();
    Set<Path> seen = new HashSet<>();
    for (Path arg : paths) {
      if (!Files.exists(arg)) {
        throw new Missing("no such file or folder: " + arg);
      }
      if (Files.isDirectory(arg)) {
        List<Path> failed = new ArrayList<>();
        for (Path f : walk(arg, failed)) {
          String rel = slashes(arg.relativize(f));
          if (pattern.matches(rel)) {
            add(out, seen, f, join(arg.toString(), rel), folderName(arg) + "/" + rel);
          }
        }
        for (Path f : failed) {
          String label = join(arg.toString(), slashes(arg.relativize(f)));
          out.add(new Source(f, f, label, String.valueOf(f.getFileName()), null, 0, 0,
              "cannot be read"));
        }
      } else {
        add(out, seen, arg, arg.toString(), null);
      }
    }
    return out;
  }

  private static void add(List<Source> out, Set<Path> seen, Path file, String label,
      String relativePath) {
    String name = file.getFileName() == null ? label : file.getFileName().toString();
    try {
      Path real = file.toRealPath();
      if (!seen.add(real)) {
        return;
      }
      BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        out.add(new Source(file, real, label, name, relativePath, 0, 0, "not a regular file"));
        return;
      }
      if (!Files.isReadable(real)) {
        out.add(new Source(file, real, label, name, relativePath, 0, 0, "not readable"));
        return;
      }
      out.add(new Source(file, real, label, name, relativePath, a.size(),
          a.lastModifiedTime().toMillis(), null));
    } catch (NoSuchFileException gone) {
      out.add(new Source(file, file, label, name, relativePath, 0, 0, "no such file"));
    } catch (IOException e) {
      out.add(new Source(file, file, label, name, relativePath, 0, 0,
          "cannot read: " + e.getMessage()));
    }
  }

  /**
   * Regular files (and links to them) below {@code dir}, sorted by relative path; what could not
   * be read goes to {@code failed}.
   */
  private static List<Path> walk(Path dir, List<Path> failed) throws IOException {
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(dir, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()
                || (attrs.isSymbolicLink() && Files.isRegularFile(f))) {
              files.add(f);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) {
            failed.add(f); // reported whatever the pattern says, never skipped in silence
            return FileVisitResult.CONTINUE;
          }
        });
    files.sort((a, b) -> slashes(dir.relativize(a)).compareTo(slashes(dir.relativize(b))));
    return files;
  }

  private static String slashes(Path relative) {
    StringBuilder sb = new StringBuilder();
    for (Path p : relative) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(p);
    }
    return sb.toString();
  }

  private static String join(String folder, String rel) {
    return folder.endsWith("/") ? folder + rel : folder + "/" + rel;
  }

  private static String folderName(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    return abs.getFileName() == null ? "" : abs.getFileName().toString();
  }
}
