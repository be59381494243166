package dev.forgeupload.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default mode's PostgreSQL: real binaries from Maven (zonky), data kept under
 * {@code <data>/postgres} so uploads survive a restart.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedDatabase start(Path dataDir) throws IOException {
    Path pgData = dataDir.resolve("postgres");
    Files.createDirectories(pgData);
    stopOrphan(pgData);
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_connections", "200")
            .start();
    log.info("EmbeddedPostgresStarted port={} data={}", pg.getPort(), pgData);
    return new EmbeddedDatabase(pg);
  }

  /**
   * A server killed with SIGKILL leaves its PostgreSQL running on the data directory; stop it so
   * this start can own the directory.
   */
  private static void stopOrphan(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> ph = ProcessHandle.of(pid);
    if (ph.isEmpty()
        || !ph.get().info().command().map(c -> c.contains("postgres")).orElse(false)) {
      return;
    }
    log.warn("EmbeddedPostgresOrphan pid={}: stopping the server left by a previous run", pid);
    ph.get().destroy();
    try {
      ph.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      ph.get().destroyForcibly();
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public String user() {
    return "postgres";
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
