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
import dev.forgeupload.db.JooqApiKeyStore;
import dev.forgeupload.db.JooqAuditStore;
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
import dev.forgeupload.queue.RedisUploadEventFeed;
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
        config.services().embeddedDatabase() || config.services().embeddedRedis() || config.services().embeddedS3();
    if (ownsServices && !embeddedServicesBuiltIn()) {
      throw new Config.ConfigException(
          "this build has no embedded services (it was built for production): set "
              + "FORGE_DATABASE_URL, FORGE_REDIS_URL and FORGE_S3_ENDPOINT");
    }
    if (ownsServices) {
      started(DataDirLock.acquire(config.services().dataDir()));
    }
    String url = config.services().databaseUrl();
    String user = config.services().databaseUser();
    if (config.services().embeddedDatabase()) {
      EmbeddedDatabase embedded = started(EmbeddedDatabase.start(config.services().dataDir()));
      url = embedded.jdbcUrl();
      user = embedded.user();
    }
    Database db = started(new Database(url, user, config.services().databasePassword(), 40));
    db.migrate();

    String redisUrl = config.services().redisUrl();
    if (config.services().embeddedRedis()) {
      redisUrl = started(EmbeddedRedis.start(config.services().dataDir())).url();
    }
    // Each worker thread holds a connection in a blocking read: size the pool beyond them.
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(config.worker().concurrency() + 32);
    pool.setMaxIdle(config.worker().concurrency() + 32);
    RedisClient redis =
        RedisClient.builder().fromURI(URI.create(redisUrl)).poolConfig(pool).build();
    RedisJobQueue queue = started(new RedisJobQueue(redis));
    RedisUploadEvents events = started(new RedisUploadEvents(redis, config.uploads().progressInterval()));

    String s3Endpoint = config.services().s3Endpoint();
    String s3Access = config.services().s3AccessKey();
    String s3Secret = config.services().s3SecretKey();
    if (config.services().embeddedS3()) {
      EmbeddedS3 s3 = started(EmbeddedS3.start(config.services().dataDir(), EmbeddedS3.defaultJar()));
      s3Endpoint = s3.endpoint();
      s3Access = s3.accessKey();
      s3Secret = s3.secretKey();
    }
    MinioObjectStore objects =
        new MinioObjectStore(
            s3Endpoint, s3Access, s3Secret, config.services().s3Region(), config.services().s3Bucket(),
            config.services().s3PartBytes());
    objects.ensureBucket();

    if (ownsServices) {
      EmbeddedEndpoints.write(
          config.services().dataDir(), url, user, redisUrl, s3Endpoint, s3Access, s3Secret);
    }
    Metrics metrics = started(new Metrics());
    JooqUploadRepository repo = new JooqUploadRepository(db.dsl(), config.uploads().lockLease());
    JooqStoringClaims claims = new JooqStoringClaims(db.dsl());
    PgUploadLocks locks = started(new PgUploadLocks(db.dsl(), config.uploads().lockLease()));
    DiskStagingStore staging = new DiskStagingStore(config.services().stagingDir());
    Uploads uploads =
        Uploads.wire(
            repo,
            staging,
            objects,
            queue,
            events,
            metrics,
            new ContentPolicy(config.content().deniedTypes(), config.content().allowedTypes(), config.content().typeMaxBytes()),
            new OwnerLimits(config.limits().quotaBytes(), config.limits().maxActiveUploads()),
            Clock.systemUTC(),
            new UploadWriter.Settings(
                config.limits().maxUploadBytes(), config.uploads().uploadExpiry(), config.uploads().checkpointInterval()));

    StoreWorker worker =
        started(
            new StoreWorker(
                claims,
                uploads,
                queue,
                objects,
                events,
                new StoreWorker.Settings(
                    http ? config.worker().concurrency() : Math.max(1, config.worker().concurrency()),
                    config.worker().maxAttempts(),
                    config.worker().backoff(),
                    config.worker().claimIdle()),
                metrics));
    worker.start();
    Reconciler reconciler =
        started(new Reconciler(claims, queue, staging, config.worker().claimIdle()));
    reconciler.start(config.worker().reconcileInterval());
    if (!http) {
      ready.set(true);
      log.info("WorkerReady");
      return;
    }

    SecurityConfig security = config.security();
    ApiKeys apiKeys = new ApiKeys(new JooqApiKeyStore(db.dsl()));
    AuditLog audit = new AuditLog(new JooqAuditStore(db.dsl()));
    JwtVerifier jwt = security.jwtConfigured() ? jwtVerifier(security) : null;
    if (!security.tokenAuth()) {
      log.warn("AuthDisabled FORGE_AUTH=none: every client that reaches {} has full access "
          + "(allowed on loopback only; set FORGE_AUTH=token to require credentials)",
          config.http().host());
    } else if (jwt == null) {
      log.info("AuthApiKeysOnly no FORGE_AUTH_JWT_SECRET / FORGE_AUTH_JWKS: only API keys "
          + "are accepted (create one with: forgeupload apikey create --owner NAME --scope admin)");
    }
    ErrorWriter errors = new ErrorWriter(metrics);
    AuthFilter auth =
        new AuthFilter(
            security.tokenAuth() ? new Authenticator(apiKeys, jwt) : null,
            new RedisRateLimiter(redis), config.limits().rateOwnerPerMinute(),
            config.limits().rateAddressPerMinute(), errors);
    ContentResponder content = new ContentResponder(uploads, audit);
    ForgeTusService tus =
        new ForgeTusService(
            uploads,
            locks,
            content,
            audit,
            config.limits().maxMetadataBytes(),
            config.limits().maxConcatParts(),
            config.uploads().lockWait(),
            config.uploads().stallTimeout(),
            config.limits().minBodyBytesPerSecond(),
            errors);
    Map<String, HttpServlet> servlets = new LinkedHashMap<>();
    servlets.put("/files/*", new TusServlet(tus));
    servlets.put("/files", new TusServlet(tus));
    servlets.put(
        "/api/v1/*",
        new ApiServlet(uploads, new JooqUploadQueries(db.dsl()), locks, content, apiKeys, audit, config.uploads().lockWait(), errors));
    EventHub hub =
        new EventHub(
            new RedisUploadEventFeed(redis), repo, apiKeys,
            EventHub.Settings.defaults(
                config.limits().maxEventStreamsPerOwner(), config.limits().maxEventStreamsPerAddress(),
                config.http().readTimeout()));
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
            config.http().host(),
            config.http().port(),
            config.http().trustProxy(),
            config.http().readTimeout(),
            config.http().headerTimeout(),
            config.limits().maxConnectionsPerAddress(),
            config.http().shutdownTimeout(),
            security.corsOrigins(),
            auth,
            servlets);
    HttpServer server = this.http;
    server.instrument(metrics);
    started(server::stop);
    started(hub); // closed before the HTTP server stops, so open event streams end at once
    server.start();
    ready.set(true);
    log.info("Ready url=http://{}:{}/files/", config.http().host(), server.port());
  }

  private static JwtVerifier jwtVerifier(SecurityConfig s) {
    try {
      return new JwtVerifier(
          new JwtVerifier.Settings(s.jwtSecret(), s.jwks(), s.jwtIssuer(), s.jwtAudience()));
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException(e.getMessage());
    }
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
