package dev.forgeupload.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Sync jobs ({@code FORGE_SYNC_*}): the folders they may read (none: sync jobs are off), how many
 * files a node uploads at once, and how often every job is scanned again.
 */
public record SyncConfig(List<Path> roots, int concurrency, Duration scanInterval) {

  static SyncConfig read(EnvReader r) {
    return new SyncConfig(
        roots(r.optional("FORGE_SYNC_ROOTS")),
        r.intValue("FORGE_SYNC_CONCURRENCY", 5, 1, 256),
        r.seconds("FORGE_SYNC_SCAN_SECONDS", 300, 1));
  }

  public boolean enabled() {
    return !roots.isEmpty();
  }

  /** Comma-separated absolute folders that exist. */
  private static List<Path> roots(String v) {
    if (v == null) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    for (String part : v.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      try {
        Path path = Path.of(p);
        if (!path.isAbsolute()) {
          throw new Config.ConfigException(
              "FORGE_SYNC_ROOTS must list absolute folders, got '" + p + "'");
        }
        if (!Files.isDirectory(path)) {
          throw new Config.ConfigException(
              "FORGE_SYNC_ROOTS: '" + p + "' is not an existing folder");
        }
        out.add(path.normalize());
      } catch (InvalidPathException e) {
        throw new Config.ConfigException("FORGE_SYNC_ROOTS has an invalid path '" + p + "'");
      }
    }
    return List.copyOf(out);
  }
}
