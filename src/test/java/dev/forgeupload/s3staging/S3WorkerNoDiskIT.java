package dev.forgeupload.s3staging;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TusHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FORGE_STAGING=s3: a server process that stores nothing itself and a worker process with a data
 * directory of its own (no access to the server's) share only PostgreSQL, Redis and S3; the
 * worker stores the upload from its multipart upload with the SHA-256 computed by the server.
 */
class S3WorkerNoDiskIT {
  private static final int MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  void a_worker_on_another_data_directory_stores_an_s3_staged_upload() throws Exception {
    byte[] data = TestData.randomBytes(11 * MIB + 5, 41);
    EmbeddedS3 s3 = TestS3.get();
    try (TestRedis redis = TestRedis.start()) {
      Map<String, String> env =
          new HashMap<>(ServerProcess.externalDb(TestDatabase.freshDatabaseUrl()));
      env.put("FORGE_STAGING", "s3");
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", s3.endpoint());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
      Map<String, String> httpOnly = new HashMap<>(env);
      httpOnly.put("FORGE_WORKER_CONCURRENCY", "0");
      Map<String, String> worker = new HashMap<>(env);
      worker.put("FORGE_WORKER_CONCURRENCY", "1");
      Path serverDir = tmp.resolve("server");
      Path workerDir = tmp.resolve("worker");
      try (ServerProcess server = ServerProcess.start("s3-nodisk-http", serverDir, httpOnly);
          ServerProcess w = ServerProcess.startWorker("s3-nodisk-worker", workerDir, worker)) {
        TusHttp tus = new TusHttp(server.baseUrl());
        String url = tus.create(data.length, meta("far.bin", null));
        TusHttp.assertStatus("PATCH", tus.patch(url, 0, data, 0, 4 * MIB), 204);
        TusHttp.assertStatus("PATCH", tus.patch(url, 4 * MIB, data, 4 * MIB,
            data.length - 4 * MIB), 204);

        JsonNode u = tus.awaitStored(TusHttp.id(url), Duration.ofSeconds(90));

        assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
        assertThat(tus.download("/api/v1/uploads/" + TusHttp.id(url) + "/content").sha256())
            .isEqualTo(TestData.sha256(data));
        for (Path dir : new Path[] {serverDir.resolve("staging"), workerDir.resolve("staging")}) {
          if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
              assertThat(files.toList()).as("files under %s", dir).isEmpty();
            }
          }
        }
        assertThat(w.logText()).contains("UploadStored");
      }
    }
  }
}
