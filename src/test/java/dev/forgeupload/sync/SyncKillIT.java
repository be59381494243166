package dev.forgeupload.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.ThrottledProxy;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TusHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery: a real server process is killed with SIGKILL in the middle of a sync job (30
 * files of 2 MiB, S3 behind a {@link ThrottledProxy} at 8 MiB/s so the job takes seconds). The
 * restarted server (same PostgreSQL, Redis, S3) takes the dead node's leases over once they are
 * stale and finishes the job: files finished before the kill keep their uploads (never read or
 * uploaded again), files in flight continue in the upload they had, every object equals its file.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SyncKillIT {
  private static final int MIB = 1 << 20;
  private static final int FILES = 30;

  @TempDir Path tmp;

  @Test
  void a_server_killed_mid_job_finishes_it_after_a_restart_without_uploading_finished_files_again()
      throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root")).toRealPath();
    Path tree = root.resolve("tree");
    Map<String, String> shas = new TreeMap<>();
    for (int i = 0; i < FILES; i++) {
      String rel = "part" + (i % 3) + "/sub" + (i % 2) + "/file" + i + ".dat";
      byte[] data = TestData.randomBytes(2 * MIB, 1000 + i);
      Path p = tree.resolve(rel);
      Files.createDirectories(p.getParent());
      Files.write(p, data);
      shas.put(rel, TestData.sha256(data));
    }
    EmbeddedS3 s3 = TestS3.get();
    try (TestRedis redis = TestRedis.start();
        ThrottledProxy proxy = ThrottledProxy.to(s3.endpoint(), 8L * MIB)) {
      Map<String, String> env = new HashMap<>(ServerProcess.externalDb(TestDatabase.freshDatabaseUrl()));
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", proxy.url());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
      env.put("FORGE_SYNC_ROOTS", root.toString());
      env.put("FORGE_SYNC_CONCURRENCY", "2");
      env.put("FORGE_WORKER_CLAIM_IDLE_SECONDS", "2");
      env.put("FORGE_RATE_ADDRESS_PER_MINUTE", "0");

      ServerProcess first = ServerProcess.start("sync-kill-first", tmp.resolve("data"), env);
      ServerProcess second = null;
      try {
        SyncApi api = new SyncApi(new TusHttp(first.baseUrl()));
        String id = api.create(tree.toString(), "**/*.dat").path("id").asText();
        Poll.until("a few files uploaded", Duration.ofSeconds(60), Duration.ofMillis(50),
            () -> api.job(id), j -> j.path("completed_files").asLong() >= 5);
        Map<String, JsonNode> atKill = api.files(id);
        first.kill9();
        Map<String, String> finished = new TreeMap<>();
        Map<String, String> inFlight = new TreeMap<>();
        for (JsonNode f : atKill.values()) {
          if (f.path("state").asText().equals("uploaded")) {
            finished.put(f.path("path").asText(), f.path("upload_id").asText());
          } else if (f.path("state").asText().equals("in_progress")
              && !f.path("upload_id").isNull()) {
            inFlight.put(f.path("path").asText(), f.path("upload_id").asText());
          }
        }
        second = first.restart();
        SyncApi api2 = new SyncApi(new TusHttp(second.baseUrl()));
        assertThat(finished.size()).as("killed mid-job").isBetween(5, FILES - 1);

        JsonNode done = api2.awaitState(id, "completed", Duration.ofSeconds(120));
        assertThat(done.path("completed_files").asLong()).isEqualTo(FILES);
        assertThat(done.path("total_bytes").asLong()).isEqualTo((long) FILES * 2 * MIB);
        Map<String, JsonNode> after = api2.files(id);
        for (Map.Entry<String, String> f : finished.entrySet()) {
          assertThat(after.get(f.getKey()).path("upload_id").asText())
              .as("%s, finished before the kill, keeps its upload", f.getKey())
              .isEqualTo(f.getValue());
        }
        for (Map.Entry<String, String> f : inFlight.entrySet()) {
          assertThat(after.get(f.getKey()).path("upload_id").asText())
              .as("%s, in flight at the kill, finished in the upload it had", f.getKey())
              .isEqualTo(f.getValue());
        }
        List<JsonNode> uploads = api2.uploadsOf(id);
        assertThat(uploads).as("one upload per file: nothing uploaded twice").hasSize(FILES);
        for (JsonNode f : after.values()) {
          String path = f.path("path").asText();
          assertThat(f.path("sha256").asText()).as(path).isEqualTo(shas.get(path));
          TusHttp.Download d =
              api2.http.download("/api/v1/uploads/" + f.path("upload_id").asText() + "/content");
          assertThat(d.sha256()).as("%s downloads as its file", path).isEqualTo(shas.get(path));
        }
        JsonNode audit = api2.http.getJson("/api/v1/audit?action=upload.created&limit=1000");
        long created = StreamSupport.stream(audit.path("items").spliterator(), false)
            .filter(a -> id.equals(a.path("detail").path("sync_job_id").asText()))
            .count();
        // an entry is written after its row commits: a kill in between may lose one per upload
        // in flight (as on the tus path); a file uploaded twice would add one
        assertThat(created).as("upload.created entries").isBetween((long) FILES - 2, (long) FILES);
        System.out.printf("SyncKillIT: %d files finished before the kill, %d in flight%n",
            finished.size(), inFlight.size());
      } finally {
        if (second != null) {
          second.close();
        }
        first.close();
      }
    }
  }
}
