package dev.forgeupload.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
            // ForgeServer stops it last, after in-flight requests committed; zonky's own
            // shutdown hook would race with that.
            .setRegisterShutdownHook(false)
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_connections", "200")
            // a small node's database: 32 MB of buffers (the default 128 MB ends up in every
            // backend's resident set as it touches them; the OS page cache still holds the rest)
            .setServerConfig("shared_buffers", "32MB")
            .start();
    log.info("EmbeddedPostgresStarted port={} data={}", pg.getPort(), pgData);
    return new EmbeddedDatabase(pg);
  }

  private static void stopOrphan(Path pgData) throws IOException {
    Orphans.stop(pgData.resolve("postmaster.pid"), "postgres");
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
