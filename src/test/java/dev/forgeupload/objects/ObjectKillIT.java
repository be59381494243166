package dev.forgeupload.objects;

import static dev.forgeupload.objects.ObjectsFixture.objects;
import static dev.forgeupload.objects.ObjectsFixture.sql;
import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Fault: worker processes killed with SIGKILL between storing and counting, held there by the
 * test-only FORGE_TEST_HOLD_BEFORE_COMMIT_SECONDS (the kill is timed by its log line). First
 * after the object was written to S3 and before it was recorded, then after an equal object was
 * found and before the reference was counted. Each time the claim goes stale, the reconciler
 * queues the upload again, the next worker stores it, and every count and object is right.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ObjectKillIT {

  private static List<Map<String, Object>> rows(String db, String sha) {
    return sql(db, "SELECT key, refcount FROM objects WHERE sha256 = ?", sha);
  }

  private static List<String> keysOf(String bucket, String id) {
    return objects(bucket).keySet().stream().filter(k -> k.contains("/" + id + "/")).toList();
  }

  @Test
  void a_worker_killed_between_storing_and_counting_loses_nothing_and_counts_right()
      throws Exception {
    byte[] data = FrameFormatTest.logText(3 * 1024 * 1024, 99);
    String sha = TestData.sha256(data);
    String db = TestDatabase.freshDatabaseUrl();
    String bucket = TestS3.freshBucket();
    EmbeddedS3 s3 = TestS3.get();

    try (TestRedis redis = TestRedis.start();
        TestServer server = TestServer.start(Map.of(
            "FORGE_DATABASE_URL", db,
            "FORGE_REDIS_URL", redis.url(),
            "FORGE_S3_BUCKET", bucket,
            "FORGE_WORKER_CONCURRENCY", "0",
            "FORGE_WORKER_CLAIM_IDLE_SECONDS", "3"))) {
      Map<String, String> env = new HashMap<>(ServerProcess.externalDb(db));
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", s3.endpoint());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", bucket);
      env.put("FORGE_WORKER_CLAIM_IDLE_SECONDS", "3");
      env.put("FORGE_WORKER_CONCURRENCY", "1");
      env.put("FORGE_RECONCILE_SECONDS", "1");
      Map<String, String> holding = new HashMap<>(env);
      holding.put("FORGE_TEST_HOLD_BEFORE_COMMIT_SECONDS", "600");
      TusHttp http = new TusHttp(server.baseUrl());

      // 1. killed after writing the object, before recording it
      String a;
      try (ServerProcess w1 = ServerProcess.startWorker("objects-w1", server.dataDir(), holding)) {
        a = TusHttp.id(http.upload(data, meta("first.log", "text/plain")));
        awaitHeld(w1);
        w1.kill9();
      }
      assertThat(http.state(a)).isEqualTo("storing");
      assertThat(keysOf(bucket, a)).as("the object is in S3").hasSize(1);
      assertThat(rows(db, sha)).as("but not recorded").isEmpty();
      try (ServerProcess w2 = ServerProcess.startWorker("objects-w2", server.dataDir(), env)) {
        http.awaitStored(a, Duration.ofSeconds(90));
      }
      assertThat(keysOf(bucket, a)).hasSize(1);
      assertThat(rows(db, sha)).singleElement()
          .satisfies(r -> assertThat(r.get("refcount")).isEqualTo(1));
      assertThat(http.get("/api/v1/uploads/" + a + "/content").body()).isEqualTo(data);

      // 2. killed after finding the equal object, before counting the reference
      String b;
      try (ServerProcess w3 = ServerProcess.startWorker("objects-w3", server.dataDir(), holding)) {
        b = TusHttp.id(http.upload(data, meta("second.log", "text/plain")));
        awaitHeld(w3);
        w3.kill9();
      }
      assertThat(http.state(b)).isEqualTo("storing");
      assertThat(rows(db, sha)).singleElement()
          .satisfies(r -> assertThat(r.get("refcount")).isEqualTo(1));
      try (ServerProcess w4 = ServerProcess.startWorker("objects-w4", server.dataDir(), env)) {
        http.awaitStored(b, Duration.ofSeconds(90));
      }
      assertThat(rows(db, sha)).singleElement()
          .satisfies(r -> assertThat(r.get("refcount")).isEqualTo(2));
      assertThat(keysOf(bucket, b)).as("the second upload has no object of its own").isEmpty();
      assertThat(http.get("/api/v1/uploads/" + b + "/content").body()).isEqualTo(data);

      // deletes: the object stays for the other reference, then goes with the last
      HttpAssert.status(http.send(http.plain("/api/v1/uploads/" + a).DELETE()), 204);
      assertThat(http.get("/api/v1/uploads/" + b + "/content").body()).isEqualTo(data);
      HttpAssert.status(http.send(http.plain("/api/v1/uploads/" + b).DELETE()), 204);
      assertThat(objects(bucket).keySet().stream().filter(k -> k.startsWith("uploads/")))
          .isEmpty();
      assertThat(rows(db, sha)).isEmpty();
      assertThat(sql(db, "SELECT count(*) AS n FROM uploads WHERE id IN (?, ?) AND state = 'deleted'",
          UUID.fromString(a), UUID.fromString(b)).get(0).get("n")).isEqualTo(2L);
    }
  }

  private static void awaitHeld(ServerProcess w) {
    Poll.until("the worker holds before recording", Duration.ofSeconds(60), Duration.ofMillis(50),
        w::logTail, log -> log.contains("ObjectCommitHeld"));
  }
}
