package dev.forgeupload;

import dev.forgeupload.config.Config;
import dev.forgeupload.core.UploadService;
import dev.forgeupload.db.Database;
import dev.forgeupload.db.JooqUploadRepository;
import dev.forgeupload.db.PgUploadLocks;
import dev.forgeupload.embedded.EmbeddedDatabase;
import dev.forgeupload.http.ApiServlet;
import dev.forgeupload.http.ContentResponder;
import dev.forgeupload.http.HealthServlet;
import dev.forgeupload.http.HttpServer;
import dev.forgeupload.http.TusServlet;
import dev.forgeupload.staging.DiskStagingStore;
import dev.forgeupload.tus.ForgeTusService;
import jakarta.servlet.http.HttpServlet;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running system: builds the object graph by hand and starts it in order; stops it in the
 * reverse order, also when start-up fails half-way (an embedded PostgreSQL must not outlive us).
 */
public final class ForgeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ForgeServer.class);

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private HttpServer http;

  private ForgeServer() {}

  public static ForgeServer start(Config config) throws Exception {
    ForgeServer server = new ForgeServer();
    try {
      server.startAll(config);
      return server;
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  private <T extends AutoCloseable> T started(T resource) {
    started.push(resource);
    return resource;
  }

  private void startAll(Config config) throws Exception {
    log.info("Starting config={}", config.describe());
    String url = config.databaseUrl();
    String user = config.databaseUser();
    if (config.embeddedDatabase()) {
      EmbeddedDatabase embedded = started(EmbeddedDatabase.start(config.dataDir()));
      url = embedded.jdbcUrl();
      user = embedded.user();
    }
    Database db = started(new Database(url, user, config.databasePassword(), 40));
    db.migrate();
    JooqUploadRepository repo = new JooqUploadRepository(db.dsl());
    PgUploadLocks locks = started(new PgUploadLocks(db.dsl(), config.lockLease()));
    UploadService uploads =
        new UploadService(
            repo,
            new DiskStagingStore(config.stagingDir()),
            Clock.systemUTC(),
            config.maxUploadBytes(),
            config.uploadExpiry(),
            config.checkpointInterval());
    ContentResponder content = new ContentResponder(uploads);
    ForgeTusService tus =
        new ForgeTusService(
            uploads,
            locks,
            content,
            config.maxMetadataBytes(),
            config.lockWait(),
            config.stallTimeout());
    Map<String, HttpServlet> servlets = new LinkedHashMap<>();
    servlets.put("/files/*", new TusServlet(tus));
    servlets.put("/files", new TusServlet(tus));
    servlets.put("/api/v1/*", new ApiServlet(uploads, repo, locks, content, config.lockWait()));
    HealthServlet health = new HealthServlet(() -> ready.get() && db.isReachable());
    servlets.put("/healthz", health);
    servlets.put("/readyz", health);
    http =
        new HttpServer(
            config.httpHost(),
            config.httpPort(),
            config.trustProxy(),
            config.readTimeout(),
            config.shutdownTimeout(),
            servlets);
    started(http::stop);
    http.start();
    ready.set(true);
    log.info("Ready url=http://{}:{}/files/", config.httpHost(), http.port());
  }

  public int port() {
    return http.port();
  }

  /** Graceful stop: no new requests, in-flight ones finish or keep what they received. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ready.set(false);
    log.info("Stopping");
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.warn("StopFailed {} error={}", c.getClass().getSimpleName(), e.toString());
      }
    }
    log.info("Stopped");
  }
}
