package dev.forgeupload.pipeline;

import static dev.forgeupload.pipeline.Backends.MIB;
import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.Poll;
import io.minio.MinioClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Fault: a worker process is killed with SIGKILL while it streams a 300 MiB upload to S3. Another
 * worker process claims the job once the claim goes idle, and the upload is stored exactly once
 * with the right SHA-256.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WorkerKillIT {
  private static final int SIZE = 300 * MIB;

  @Test
  void a_worker_killed_mid_transfer_is_replaced_and_the_upload_is_stored_once() throws Exception {
    byte[] data = TestData.randomBytes(SIZE, 300);
    String sourceSha = TestData.sha256(data);
    String db = TestDatabase.freshDatabaseUrl();
    String bucket = TestS3.freshBucket();
    EmbeddedS3 s3 = TestS3.get();
    MinioClient minio = Backends.minio(s3);

    try (TestRedis redis = TestRedis.start();
        TestServer http =
            TestServer.start(
                Map.of(
                    "FORGE_DATABASE_URL", db,
                    "FORGE_REDIS_URL", redis.url(),
                    "FORGE_S3_BUCKET", bucket,
                    "FORGE_WORKER_CONCURRENCY", "0",
                    "FORGE_WORKER_CLAIM_IDLE_SECONDS", "3"))) {
      Map<String, String> workerEnv = new HashMap<>(ServerProcess.externalDb(db));
      workerEnv.put("FORGE_REDIS_URL", redis.url());
      workerEnv.put("FORGE_S3_ENDPOINT", s3.endpoint());
      workerEnv.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      workerEnv.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      workerEnv.put("FORGE_S3_BUCKET", bucket);
      workerEnv.put("FORGE_S3_PART_BYTES", "5242880");
      workerEnv.put("FORGE_WORKER_CLAIM_IDLE_SECONDS", "3");
      workerEnv.put("FORGE_WORKER_CONCURRENCY", "1");
      workerEnv.put("FORGE_RECONCILE_SECONDS", "1");

      // The worker reads staged bytes from the server's data dir.
      try (ServerProcess w1 = ServerProcess.startWorker("worker-w1", http.dataDir(), workerEnv)) {
        // 300 MiB in one PATCH: twice the default request timeout
        TusHttp tus = new TusHttp(http.baseUrl()).withTimeout(Duration.ofSeconds(120));
        String id = TusHttp.id(tus.upload(data, meta("big.bin", null)));
        Poll.until(
            "W1 storing the upload", Duration.ofSeconds(30), Duration.ofMillis(20),
            () -> tus.state(id),
            s -> {
              assertThat(s).as("W1 must not finish before it is killed").isNotEqualTo("stored");
              return s.equals("storing");
            });
        w1.kill9();
        assertThat(w1.isAlive()).isFalse();
        assertThat(tus.state(id))
            .as("killed mid-transfer, the claim is still W1's")
            .isEqualTo("storing");
        assertThat(Backends.keysOf(minio, bucket, id)).as("no object yet").isEmpty();

        long replaced = System.nanoTime();
        try (ServerProcess w2 =
            ServerProcess.startWorker("worker-w2", http.dataDir(), workerEnv)) {
          JsonNode stored = tus.awaitStored(id, Duration.ofSeconds(90));
          double seconds = (System.nanoTime() - replaced) / 1e9;
          System.out.printf("WorkerKillIT: stored %.1f s after W2 started%n", seconds);

          assertThat(stored.path("sha256").asText()).isEqualTo(sourceSha);
          assertThat(stored.path("length").asLong()).isEqualTo(SIZE);
          List<String> keys = Backends.keysOf(minio, bucket, id);
          assertThat(keys).as("exactly one object for the upload").hasSize(1);
          assertThat(keys.get(0)).isEqualTo(stored.path("storage_key").asText());
          assertThat(Backends.objectSha256(minio, bucket, keys.get(0))).isEqualTo(sourceSha);

          List<String> timeline = Backends.timeline(db, id);
          assertThat(timeline.stream().filter("stored"::equals).count())
              .as("stored exactly once: %s", timeline)
              .isEqualTo(1);
          assertThat(timeline).containsSubsequence("queued", "storing", "stored");
          assertThat(w2.isAlive()).isTrue();
          assertThat(w2.logTail()).contains("UploadStored id=" + id);
        }
      }
    }
  }
}
