package dev.forgeupload.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where a server's embedded services listen, written to {@code <data>/services.properties}
 * (owner-only) so that {@code scripts/run worker} and {@code scripts/run apikey} on the same data
 * directory can join them.
 */
public final class EmbeddedEndpoints {
  private static final String FILE = "services.properties";

  private EmbeddedEndpoints() {}

  public static void write(
      Path dataDir, String jdbcUrl, String user, String redisUrl, String s3Endpoint,
      String s3Access, String s3Secret)
      throws IOException {
    Properties p = new Properties();
    p.setProperty("FORGE_DATABASE_URL", jdbcUrl);
    if (user != null) {
      p.setProperty("FORGE_DATABASE_USER", user);
    }
    p.setProperty("FORGE_REDIS_URL", redisUrl);
    p.setProperty("FORGE_S3_ENDPOINT", s3Endpoint);
    p.setProperty("FORGE_S3_ACCESS_KEY", s3Access);
    p.setProperty("FORGE_S3_SECRET_KEY", s3Secret);
    Path f = dataDir.resolve(FILE);
    Path tmp = dataDir.resolve(FILE + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "endpoints of the running server's embedded services");
    }
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * What the server on this data directory wrote, keyed by the {@code FORGE_*} variable names;
   * empty when no server wrote the file.
   */
  public static Optional<Map<String, String>> read(Path dataDir) {
    Path f = dataDir.resolve(FILE);
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> out = new HashMap<>();
    for (String k : p.stringPropertyNames()) {
      out.put(k, p.getProperty(k));
    }
    return Optional.of(out);
  }
}
