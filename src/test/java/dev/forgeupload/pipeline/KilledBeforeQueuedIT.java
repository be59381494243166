package dev.forgeupload.pipeline;

import static dev.forgeupload.pipeline.Backends.MIB;
import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.queue.RedisNames;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TestData;
import io.minio.MinioClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

/**
 * Fault: the server dies between "last byte" and "queued". The row becomes {@code queued} in the
 * same statement as the last byte, so the crash that matters comes after that commit and before
 * the Redis job exists. After a restart the upload must still end {@code stored}.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KilledBeforeQueuedIT {
  @TempDir Path tmp;

  @Test
  void a_queued_upload_without_a_redis_job_is_enqueued_by_the_reconciler_and_stored()
      throws Exception {
    byte[] data = TestData.randomBytes(1_234_567, 41);
    MinioClient minio = Backends.minio(TestS3.get());
    try (TestRedis redis = TestRedis.start()) {
      String db;
      String bucket;
      Path dataDir;
      String id;
      RedisNames names;
      // A server without workers takes the upload: it ends queued with a job in Redis.
      try (TestServer first =
          TestServer.start(
              Map.of("FORGE_REDIS_URL", redis.url(), "FORGE_WORKER_CONCURRENCY", "0"))) {
        TusHttp tus = new TusHttp(first.baseUrl());
        id = TusHttp.id(tus.upload(data, meta("orphan.bin", null)));
        assertThat(tus.state(id)).isEqualTo("queued");
        db = first.databaseUrl();
        bucket = first.bucket();
        dataDir = first.dataDir();
        names = first.redisNames();
      }
      // The crash window: PostgreSQL committed `queued`, Redis never saw the job.
      try (RedisClient jedis = RedisClient.create(URI.create(redis.url()))) {
        String pending = names.pending(UUID.fromString(id));
        assertThat(jedis.exists(pending)).as("the job existed").isTrue();
        jedis.del(names.jobs(), pending);
        assertThat(jedis.exists(names.jobs())).isFalse();
      }
      assertThat(Backends.dbState(db, id)).isEqualTo("queued");

      try (TestServer restarted =
          TestServer.start(
              Map.of(
                  "FORGE_DATABASE_URL", db,
                  "FORGE_REDIS_URL", redis.url(),
                  "FORGE_S3_BUCKET", bucket,
                  "FORGE_DATA_DIR", dataDir.toString()))) {
        JsonNode stored = new TusHttp(restarted.baseUrl()).awaitStored(id, Duration.ofSeconds(30));
        assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));
        assertThat(Backends.keysOf(minio, bucket, id))
            .containsExactly(stored.path("storage_key").asText());
        assertThat(Backends.object(minio, bucket, stored.path("storage_key").asText()))
            .isEqualTo(data);
      }
    }
  }

  @Test
  void a_server_killed_right_after_the_last_patch_stores_the_upload_after_restart()
      throws Exception {
    byte[] data = TestData.randomBytes(8 * MIB + 5, 42);
    String db = TestDatabase.freshDatabaseUrl();
    String bucket = TestS3.freshBucket();
    EmbeddedS3 s3 = TestS3.get();
    Path dataDir = tmp.resolve("data");
    try (TestRedis redis = TestRedis.start()) {
      Map<String, String> env = new HashMap<>(ServerProcess.externalDb(db));
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", s3.endpoint());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", bucket);
      env.put("FORGE_RECONCILE_SECONDS", "1");
      Map<String, String> noWorkers = new HashMap<>(env);
      noWorkers.put("FORGE_WORKER_CONCURRENCY", "0");

      String id;
      try (ServerProcess first = ServerProcess.start("killed-after-last-byte", dataDir, noWorkers)) {
        TusHttp tus = new TusHttp(first.baseUrl());
        String url = tus.create(data.length, meta("last-byte.bin", null));
        id = TusHttp.id(url);
        HttpResponse<byte[]> r = tus.patch(url, 0, data, 0, data.length);
        assertThat(r.statusCode()).as(TusHttp.text(r)).isEqualTo(204);
        first.kill9();
      }
      assertThat(Backends.dbState(db, id)).as("the last byte committed the queued state")
          .isEqualTo("queued");

      try (ServerProcess second = ServerProcess.start("restarted-with-workers", dataDir, env)) {
        TusHttp tus = new TusHttp(second.baseUrl());
        JsonNode stored = tus.awaitStored(id, Duration.ofSeconds(30));
        assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));
        MinioClient minio = Backends.minio(s3);
        assertThat(Backends.keysOf(minio, bucket, id))
            .containsExactly(stored.path("storage_key").asText());
        assertThat(Backends.objectSha256(minio, bucket, stored.path("storage_key").asText()))
            .isEqualTo(TestData.sha256(data));
        HttpResponse<byte[]> download = tus.get("/api/v1/uploads/" + id + "/content");
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(TestData.sha256(download.body())).isEqualTo(TestData.sha256(data));
      }
    }
  }
}
