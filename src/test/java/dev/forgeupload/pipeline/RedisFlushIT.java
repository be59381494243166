package dev.forgeupload.pipeline;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.Poll;
import io.minio.MinioClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Fault: Redis loses everything (FLUSHALL, then a restart) while 50 finished uploads wait in the
 * queue. PostgreSQL is the source of truth: workers started afterwards store all 50.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisFlushIT {
  private static final int UPLOADS = 50;

  @Test
  void fifty_queued_uploads_survive_a_flushed_and_restarted_redis() {
    MinioClient minio = Backends.minio(TestS3.get());
    try (TestRedis redis = TestRedis.start();
        TestServer http =
            TestServer.start(
                Map.of("FORGE_REDIS_URL", redis.url(), "FORGE_WORKER_CONCURRENCY", "0"))) {
      TusHttp tus = new TusHttp(http.baseUrl());
      Map<String, byte[]> sent = new LinkedHashMap<>();
      for (int i = 0; i < UPLOADS; i++) {
        byte[] data = TestData.randomBytes(10_000 + i * 997, 1000 + i);
        sent.put(TusHttp.id(tus.upload(data, meta("file-" + i + ".bin", null))), data);
      }
      for (String id : sent.keySet()) {
        assertThat(tus.state(id)).as(id).isEqualTo("queued");
      }
      try (RedisClient jedis = RedisClient.create(URI.create(redis.url()))) {
        assertThat(jedis.xlen(http.redisNames().jobs())).as("jobs in the stream")
            .isEqualTo(UPLOADS);
        jedis.flushAll();
        assertThat(jedis.dbSize()).isZero();
      }
      redis.stop();
      redis.restart();
      try (RedisClient jedis = RedisClient.create(URI.create(redis.url()))) {
        assertThat(jedis.exists(http.redisNames().jobs())).as("Redis came back empty").isFalse();
      }

      // Workers on the same PostgreSQL, Redis, bucket and staging directory.
      long started = System.nanoTime();
      try (TestServer workers =
          TestServer.start(
              Map.of(
                  "FORGE_DATABASE_URL", http.databaseUrl(),
                  "FORGE_REDIS_URL", redis.url(),
                  "FORGE_S3_BUCKET", http.bucket(),
                  "FORGE_DATA_DIR", http.dataDir().toString(),
                  "FORGE_WORKER_CONCURRENCY", "4"))) {
        TusHttp onWorkers = new TusHttp(workers.baseUrl());
        List<String> notStored = new ArrayList<>(sent.keySet());
        Poll.until(
            "all " + UPLOADS + " uploads stored",
            Duration.ofSeconds(60),
            () -> {
              notStored.removeIf(id -> onWorkers.state(id).equals("stored"));
              return List.copyOf(notStored);
            },
            List::isEmpty);
        System.out.printf(
            "RedisFlushIT: %d uploads stored %.1f s after the workers started%n", UPLOADS,
            (System.nanoTime() - started) / 1e9);
        for (Map.Entry<String, byte[]> e : sent.entrySet()) {
          JsonNode u = tus.uploadJson(e.getKey());
          assertThat(u.path("state").asText()).isEqualTo("stored");
          assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(e.getValue()));
          assertThat(Backends.object(minio, http.bucket(), u.path("storage_key").asText()))
              .isEqualTo(e.getValue());
        }
      }
    }
  }
}
