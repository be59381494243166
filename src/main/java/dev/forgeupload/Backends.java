package dev.forgeupload;

import dev.forgeupload.config.Config;
import dev.forgeupload.config.ServicesConfig;
import dev.forgeupload.core.ContentPolicy;
import dev.forgeupload.core.JobQueue;
import dev.forgeupload.core.ObjectStore;
import dev.forgeupload.core.OwnerLimits;
import dev.forgeupload.core.UploadWriter;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.db.Database;
import dev.forgeupload.db.JooqDeploymentId;
import dev.forgeupload.db.JooqObjectCatalog;
import dev.forgeupload.db.JooqStoringClaims;
import dev.forgeupload.db.JooqUploadRepository;
import dev.forgeupload.db.PgUploadLocks;
import dev.forgeupload.http.Metrics;
import dev.forgeupload.objects.Compression;
import dev.forgeupload.objects.StoredObjects;
import dev.forgeupload.objectstore.MinioObjectStore;
import dev.forgeupload.staging.InlineStaging;
import dev.forgeupload.db.JooqInlineBodies;
import dev.forgeupload.queue.BackgroundEnqueue;
import dev.forgeupload.queue.RedisJobQueue;
import dev.forgeupload.queue.RedisNames;
import dev.forgeupload.queue.RedisUploadEvents;
import dev.forgeupload.staging.DiskStagingStore;
import dev.forgeupload.config.StagingConfig;
import dev.forgeupload.core.StagingStore;
import dev.forgeupload.db.JooqS3StagingRows;
import dev.forgeupload.objectstore.MinioS3Parts;
import dev.forgeupload.s3staging.S3StagingStore;
import java.io.IOException;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;

/**
 * The connected services and the core wired on them: what both the server and {@code worker}
 * mode run on. Everything that must be stopped is added to the caller's {@link Started}.
 */
record Backends(
    Database db,
    RedisClient redis,
    RedisNames redisNames,
    RedisJobQueue queue,
    RedisUploadEvents events,
    MinioObjectStore objects,
    Metrics metrics,
    JooqUploadRepository repo,
    JooqStoringClaims claims,
    PgUploadLocks locks,
    StagingStore staging,
    Uploads uploads,
    StoredObjects storedObjects) {
  // the start-up lines keep the logger they always had
  private static final Logger log = LoggerFactory.getLogger(ForgeServer.class);

  /** How long a service may take to answer its first use at start-up. */
  private static final int PROBE_SECONDS = 5;

  /**
   * Connects to PostgreSQL, Redis and S3 in that order; the first that cannot be used stops
   * start-up with a {@link StartFailed} naming it, its URL and its variable.
   */
  static Backends connect(Config config, Services.Endpoints at, Started started)
      throws IOException {
    ServicesConfig sc = config.services();
    Database db = database(at, sc, sc.databasePoolSize(), started);
    RedisNames names = redisNames(config, db);
    RedisClient redis = redis(at.redisUrl(), config.worker().concurrency());
    RedisJobQueue queue = started.add(new RedisJobQueue(redis, names));
    probeRedis(redis, at.redisUrl(), sc.embeddedRedis() ? null : "FORGE_REDIS_URL");
    RedisUploadEvents events =
        started.add(new RedisUploadEvents(redis, names, config.uploads().progressInterval()));
    MinioObjectStore objects =
        new MinioObjectStore(
            at.s3Endpoint(), at.s3AccessKey(), at.s3SecretKey(), config.services().s3Region(),
            config.services().s3Bucket(), config.services().s3PartBytes());
    try {
      objects.ensureBucket();
    } catch (IOException | RuntimeException e) {
      throw StartFailed.service("S3", at.s3Endpoint(),
          sc.embeddedS3() ? null : "FORGE_S3_ENDPOINT", e);
    }
    Metrics metrics = started.add(new Metrics());
    JooqUploadRepository repo = new JooqUploadRepository(db.dsl(), config.uploads().lockLease());
    PgUploadLocks locks = started.add(new PgUploadLocks(db.lazyDsl(), config.uploads().lockLease()));
    StagingStore staging = staging(config, at, db, repo);
    StoredObjects stored = storedObjects(config, db, objects);
    // the write path enqueues in the background: a 201/204 does not wait for Redis
    JobQueue writeQueue = started.add(new BackgroundEnqueue(queue));
    Uploads uploads = uploads(config, repo, staging, stored.view(), writeQueue, events, metrics);
    return new Backends(db, redis, names, queue, events, objects, metrics, repo,
        new JooqStoringClaims(db.dsl()), locks, staging, uploads, stored);
  }

  /**
   * Deduplicated, compressed objects on S3: the worker stores through it, and the core reads and
   * deletes through its view (a plain object outside the catalog is read as it is).
   */
  private static StoredObjects storedObjects(Config config, Database db, MinioObjectStore s3) {
    StoredObjects stored =
        new StoredObjects(s3, new JooqObjectCatalog(db.dsl()),
            new StoredObjects.Settings(
                Compression.fromDb(config.worker().compression()), StoredObjects.FRAME_BYTES,
                config.services().stagingDir().resolveSibling("objects-tmp"),
                config.worker().holdBeforeCommit()));
    stored.removeStaleTempFiles();
    return stored;
  }

  /** A pool on the resolved database, migrated to the current schema. */
  static Database database(
      Services.Endpoints at, ServicesConfig sc, int poolSize, Started started) {
    try {
      Database.probe(at.databaseUrl(), at.databaseUser(), at.databasePassword(), PROBE_SECONDS);
    } catch (SQLException e) {
      throw StartFailed.service("PostgreSQL", at.databaseUrl(),
          sc.embeddedDatabase() ? null : "FORGE_DATABASE_URL", e);
    }
    Database db = started.add(
        new Database(at.databaseUrl(), at.databaseUser(), at.databasePassword(), poolSize));
    db.migrate();
    return db;
  }

  private static void probeRedis(RedisClient redis, String url, String variable) {
    try {
      redis.ping();
    } catch (RuntimeException e) {
      throw StartFailed.service("Redis", url, variable, e);
    }
  }

  /**
   * This deployment's Redis namespace: {@code FORGE_REDIS_PREFIX}, else derived from the
   * database's deployment id, so every process on one database (server, workers) agrees.
   */
  private static RedisNames redisNames(Config config, Database db) {
    String explicit = config.services().redisPrefix();
    RedisNames names = RedisNames.of(explicit, JooqDeploymentId.of(db.dsl()));
    log.info("RedisNamespace prefix={} deployment={} from={}", names.prefix(),
        names.deploymentId(), explicit == null ? "database" : "FORGE_REDIS_PREFIX");
    return names;
  }

  /** Each worker thread holds a connection in a blocking read: the pool is sized beyond them. */
  private static RedisClient redis(String url, int workers) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(workers + 32);
    pool.setMaxIdle(workers + 32);
    return RedisClient.builder().fromURI(URI.create(url)).poolConfig(pool).build();
  }

  /** FORGE_STAGING: this node's disk (the default) or S3 multipart uploads (stateless nodes). */
  private static StagingStore staging(
      Config config, Services.Endpoints at, Database db, JooqUploadRepository repo)
      throws IOException {
    StagingConfig sc = config.staging();
    if (!sc.s3()) {
      DiskStagingStore files = new DiskStagingStore(config.services().stagingDir());
      // small uploads that arrive whole keep their bytes with their row (see InlineStaging)
      return sc.inlineMaxBytes() > 0
          ? new InlineStaging(files, new JooqInlineBodies(db.dsl())) : files;
    }
    MinioS3Parts parts = new MinioS3Parts(at.s3Endpoint(), at.s3AccessKey(), at.s3SecretKey(),
        config.services().s3Region(), config.services().s3Bucket());
    log.info("StagingInS3 max_parts={} orphan_age={}", sc.maxParts(), sc.orphanAge());
    return new S3StagingStore(parts, new JooqS3StagingRows(db.dsl()), repo::find,
        sc.maxParts(), config.limits().maxUploadBytes(), sc.orphanAge());
  }

  private static Uploads uploads(
      Config config, JooqUploadRepository repo, StagingStore staging,
      ObjectStore objects, JobQueue queue, RedisUploadEvents events, Metrics metrics) {
    return Uploads.wire(
        repo,
        staging,
        objects,
        queue,
        events,
        metrics,
        new ContentPolicy(
            config.content().deniedTypes(), config.content().allowedTypes(),
            config.content().typeMaxBytes()),
        new OwnerLimits(config.limits().quotaBytes(), config.limits().maxActiveUploads()),
        Clock.systemUTC(),
        new UploadWriter.Settings(
            config.limits().maxUploadBytes(), config.uploads().uploadExpiry(),
            config.uploads().checkpointInterval(),
            config.staging().s3() ? 0 : config.staging().inlineMaxBytes()));
  }
}
