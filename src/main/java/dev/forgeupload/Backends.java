package dev.forgeupload;

import dev.forgeupload.config.Config;
import dev.forgeupload.core.ContentPolicy;
import dev.forgeupload.core.OwnerLimits;
import dev.forgeupload.core.UploadWriter;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.db.Database;
import dev.forgeupload.db.JooqDeploymentId;
import dev.forgeupload.db.JooqStoringClaims;
import dev.forgeupload.db.JooqUploadRepository;
import dev.forgeupload.db.PgUploadLocks;
import dev.forgeupload.http.Metrics;
import dev.forgeupload.objectstore.MinioObjectStore;
import dev.forgeupload.queue.RedisJobQueue;
import dev.forgeupload.queue.RedisNames;
import dev.forgeupload.queue.RedisUploadEvents;
import dev.forgeupload.staging.DiskStagingStore;
import java.io.IOException;
import java.net.URI;
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
    DiskStagingStore staging,
    Uploads uploads) {
  // the start-up lines keep the logger they always had
  private static final Logger log = LoggerFactory.getLogger(ForgeServer.class);

  static Backends connect(Config config, Services.Endpoints at, Started started)
      throws IOException {
    Database db = database(at, config.services().databasePoolSize(), started);
    RedisNames names = redisNames(config, db);
    RedisClient redis = redis(at.redisUrl(), config.worker().concurrency());
    RedisJobQueue queue = started.add(new RedisJobQueue(redis, names));
    RedisUploadEvents events =
        started.add(new RedisUploadEvents(redis, names, config.uploads().progressInterval()));
    MinioObjectStore objects =
        new MinioObjectStore(
            at.s3Endpoint(), at.s3AccessKey(), at.s3SecretKey(), config.services().s3Region(),
            config.services().s3Bucket(), config.services().s3PartBytes());
    objects.ensureBucket();
    Metrics metrics = started.add(new Metrics());
    JooqUploadRepository repo = new JooqUploadRepository(db.dsl(), config.uploads().lockLease());
    PgUploadLocks locks = started.add(new PgUploadLocks(db.dsl(), config.uploads().lockLease()));
    DiskStagingStore staging = new DiskStagingStore(config.services().stagingDir());
    Uploads uploads = uploads(config, repo, staging, objects, queue, events, metrics);
    return new Backends(db, redis, names, queue, events, objects, metrics, repo,
        new JooqStoringClaims(db.dsl()), locks, staging, uploads);
  }

  /** A pool on the resolved database, migrated to the current schema. */
  static Database database(Services.Endpoints at, int poolSize, Started started) {
    Database db = started.add(
        new Database(at.databaseUrl(), at.databaseUser(), at.databasePassword(), poolSize));
    db.migrate();
    return db;
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

  private static Uploads uploads(
      Config config, JooqUploadRepository repo, DiskStagingStore staging,
      MinioObjectStore objects, RedisJobQueue queue, RedisUploadEvents events, Metrics metrics) {
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
            config.uploads().checkpointInterval()));
  }
}
