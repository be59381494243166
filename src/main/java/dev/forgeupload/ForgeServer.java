package dev.forgeupload;

import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Authenticator;
import dev.forgeupload.auth.JwtVerifier;
import dev.forgeupload.config.Config;
import dev.forgeupload.config.SecurityConfig;
import dev.forgeupload.core.ContentPolicy;
import dev.forgeupload.core.OwnerLimits;
import dev.forgeupload.http.AuthFilter;
import dev.forgeupload.queue.RedisRateLimiter;
import dev.forgeupload.core.UploadWriter;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.db.Database;
import dev.forgeupload.db.JooqStoringClaims;
import dev.forgeupload.db.JooqUploadQueries;
import dev.forgeupload.db.JooqUploadRepository;
import dev.forgeupload.db.PgUploadLocks;
import dev.forgeupload.embedded.DataDirLock;
import dev.forgeupload.embedded.EmbeddedDatabase;
import dev.forgeupload.embedded.EmbeddedEndpoints;
import dev.forgeupload.embedded.EmbeddedRedis;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.objectstore.MinioObjectStore;
import dev.forgeupload.queue.RedisJobQueue;
import dev.forgeupload.queue.RedisUploadEvents;
import dev.forgeupload.worker.Reconciler;
import dev.forgeupload.worker.StoreWorker;
import io.micrometer.core.instrument.Gauge;
import java.net.URI;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import dev.forgeupload.http.ApiServlet;
import dev.forgeupload.http.ContentResponder;
import dev.forgeupload.http.EventHub;
import dev.forgeupload.http.ErrorWriter;
import dev.forgeupload.http.EventsServlet;
import dev.forgeupload.http.Metrics;
import dev.forgeupload.http.MetricsServlet;
import dev.forgeupload.http.HealthServlet;
import dev.forgeupload.http.HttpServer;
import dev.forgeupload.staging.DiskStagingStore;
import dev.forgeupload.tus.TusHandler;
import dev.forgeupload.tus.TusServlet;
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
    return start(config, true);
  }

  /** Starts the HTTP server and workers ({@code http}), or workers alone. */
  public static ForgeServer start(Config config, boolean http) throws Exception {
    ForgeServer server = new ForgeServer();
    try {
      server.startAll(config, http);
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

  private void startAll(Config initial, boolean http) throws Exception {
    Config config = initial;
    log.info("Starting mode={} config={}", http ? "server" : "worker", config.describe());
    if (!http) {
      config = EmbeddedEndpoints.adopt(config);
    }
    boolean ownsServices =
        config.embeddedDatabase() || config.embeddedRedis() || config.embeddedS3();
    if (ownsServices && !embeddedServicesBuiltIn()) {
      throw new Config.ConfigException(
          "this build has no embedded services (it was built for production): set "
              + "FORGE_DATABASE_URL, FORGE_REDIS_URL and FORGE_S3_ENDPOINT");
    }
    if (ownsServices) {
      started(DataDirLock.acquire(config.dataDir()));
    }
    String url = config.databaseUrl();
    String user = config.databaseUser();
    if (config.embeddedDatabase()) {
      EmbeddedDatabase embedded = started(EmbeddedDatabase.start(config.dataDir()));
      url = embedded.jdbcUrl();
      user = embedded.user();
    }
    Database db = started(new Database(url, user, config.databasePassword(), 40));
    db.migrate();

    String redisUrl = config.redisUrl();
    if (config.embeddedRedis()) {
      redisUrl = started(EmbeddedRedis.start(config.dataDir())).url();
    }
    // Each worker thread holds a connection in a blocking read: size the pool beyond them.
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(config.workerConcurrency() + 32);
    pool.setMaxIdle(config.workerConcurrency() + 32);
    RedisClient redis =
        RedisClient.builder().fromURI(URI.create(redisUrl)).poolConfig(pool).build();
    RedisJobQueue queue = started(new RedisJobQueue(redis));
    RedisUploadEvents events = started(new RedisUploadEvents(redis, config.progressInterval()));

    String s3Endpoint = config.s3Endpoint();
    String s3Access = config.s3AccessKey();
    String s3Secret = config.s3SecretKey();
    if (config.embeddedS3()) {
      EmbeddedS3 s3 = started(EmbeddedS3.start(config.dataDir(), EmbeddedS3.defaultJar()));
      s3Endpoint = s3.endpoint();
      s3Access = s3.accessKey();
      s3Secret = s3.secretKey();
    }
    MinioObjectStore objects =
        new MinioObjectStore(
            s3Endpoint, s3Access, s3Secret, config.s3Region(), config.s3Bucket(),
            config.s3PartBytes());
    objects.ensureBucket();

    if (ownsServices) {
      EmbeddedEndpoints.write(
          config.dataDir(), url, user, redisUrl, s3Endpoint, s3Access, s3Secret);
    }
    Metrics metrics = started(new Metrics());
    JooqUploadRepository repo = new JooqUploadRepository(db.dsl(), config.lockLease());
    JooqStoringClaims claims = new JooqStoringClaims(db.dsl());
    PgUploadLocks locks = started(new PgUploadLocks(db.dsl(), config.lockLease()));
    DiskStagingStore staging = new DiskStagingStore(config.stagingDir());
    Uploads uploads =
        Uploads.wire(
            repo,
            staging,
            objects,
            queue,
            events,
            metrics,
            new ContentPolicy(config.deniedTypes(), config.allowedTypes(), config.typeMaxBytes()),
            new OwnerLimits(config.security().quotaBytes(), config.security().maxActiveUploads()),
            Clock.systemUTC(),
            new UploadWriter.Settings(
                config.maxUploadBytes(), config.uploadExpiry(), config.checkpointInterval()));

    StoreWorker worker =
        started(
            new StoreWorker(
                claims,
                uploads,
                queue,
                objects,
                events,
                new StoreWorker.Settings(
                    http ? config.workerConcurrency() : Math.max(1, config.workerConcurrency()),
                    config.workerMaxAttempts(),
                    config.workerBackoff(),
                    config.workerClaimIdle()),
                metrics));
    worker.start();
    Reconciler reconciler =
        started(new Reconciler(claims, queue, staging, config.workerClaimIdle()));
    reconciler.start(config.reconcileInterval());
    if (!http) {
      ready.set(true);
      log.info("WorkerReady");
      return;
    }

    SecurityConfig security = config.security();
    ApiKeys apiKeys = new ApiKeys(db.dsl());
    AuditLog audit = new AuditLog(db.dsl());
    JwtVerifier jwt =
        security.jwtSecret() != null || security.jwks() != null ? new JwtVerifier(security) : null;
    if (!security.tokenAuth()) {
      log.warn("AuthDisabled FORGE_AUTH=none: every client that reaches {} has full access "
          + "(allowed on loopback only; set FORGE_AUTH=token to require credentials)",
          config.httpHost());
    } else if (jwt == null) {
      log.info("AuthApiKeysOnly no FORGE_AUTH_JWT_SECRET / FORGE_AUTH_JWKS: only API keys "
          + "are accepted (create one with: forgeupload apikey create --owner NAME --scope admin)");
    }
    ErrorWriter errors = new ErrorWriter(metrics);
    AuthFilter auth =
        new AuthFilter(
            new Authenticator(apiKeys, jwt), new RedisRateLimiter(redis), security, errors);
    ContentResponder content = new ContentResponder(uploads, audit);
    TusHandler tus =
        new TusHandler(
            uploads,
            locks,
            content,
            audit,
            errors,
            new TusHandler.Settings(
                config.maxMetadataBytes(),
                config.maxConcatParts(),
                config.lockWait(),
                config.stallTimeout(),
                security.minBodyBytesPerSecond()));
    Map<String, HttpServlet> servlets = new LinkedHashMap<>();
    servlets.put("/files/*", new TusServlet(tus));
    servlets.put("/files", new TusServlet(tus));
    servlets.put(
        "/api/v1/*",
        new ApiServlet(uploads, new JooqUploadQueries(db.dsl()), locks, content, apiKeys, audit, config.lockWait(), errors));
    EventHub hub =
        new EventHub(
            redis, repo, apiKeys,
            EventHub.Settings.defaults(
                security.maxEventStreamsPerOwner(), security.maxEventStreamsPerAddress(),
                config.readTimeout()));
    servlets.put("/api/v1/events", new EventsServlet(hub, errors));
    Gauge.builder("forge.event.streams", hub, EventHub::openStreams)
        .description("Event streams (Server-Sent Events) open on this node")
        .register(metrics.registry());
    HealthServlet health =
        new HealthServlet(
            () -> ready.get() && db.isReachable() && queue.isReachable()
                && objects.isReachable());
    servlets.put("/healthz", health);
    servlets.put("/readyz", health);
    servlets.put("/metrics", new MetricsServlet(metrics)); // its own path: admin-only with auth
    this.http =
        new HttpServer(
            config.httpHost(),
            config.httpPort(),
            config.trustProxy(),
            config.readTimeout(),
            config.headerTimeout(),
            security.maxConnectionsPerAddress(),
            config.shutdownTimeout(),
            security.corsOrigins(),
            auth,
            servlets);
    HttpServer server = this.http;
    server.instrument(metrics);
    started(server::stop);
    started(hub); // closed before the HTTP server stops, so open event streams end at once
    server.start();
    ready.set(true);
    log.info("Ready url=http://{}:{}/files/", config.httpHost(), server.port());
  }

  private static boolean embeddedServicesBuiltIn() {
    try {
      Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres");
      Class.forName("redis.embedded.RedisServer");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
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
