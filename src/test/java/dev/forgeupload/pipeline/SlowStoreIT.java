package dev.forgeupload.pipeline;

import static dev.forgeupload.pipeline.Backends.MIB;
import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.ThrottledProxy;
import dev.forgeupload.testing.TusHttp;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that takes many claim intervals (S3 behind a slow link, 2 MiB/s, a claim interval of
 * 1 s, three worker threads that would each take over a silent worker's job): the worker that
 * stores renews its claim in PostgreSQL and its job's idle time in Redis, so nobody reclaims it;
 * the upload is stored once, in one attempt. (A worker that goes silent does lose its job:
 * WorkerKillIT.)
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SlowStoreIT {
  private static final int SIZE = 12 * MIB;
  private static final long LINK = 2L * MIB; // bytes per second towards S3: ~6 s for the upload
  private static final Pattern STORED_SECONDS =
      Pattern.compile("UploadStored id=(\\S+) .* seconds=([0-9.]+)");

  @TempDir Path tmp;

  @Test
  void a_store_that_outlives_the_claim_interval_is_not_reclaimed_and_is_stored_once()
      throws Exception {
    byte[] data = TestData.randomBytes(SIZE, 51);
    String db = TestDatabase.freshDatabaseUrl();
    EmbeddedS3 s3 = TestS3.get();
    URI s3Url = URI.create(s3.endpoint());
    try (TestRedis redis = TestRedis.start();
        ThrottledProxy slowS3 = ThrottledProxy.start(s3Url.getHost(), s3Url.getPort(), LINK)) {
      Map<String, String> env = new HashMap<>(ServerProcess.externalDb(db));
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", slowS3.url());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
      env.put("FORGE_S3_PART_BYTES", Integer.toString(5 * MIB));
      env.put("FORGE_WORKER_CLAIM_IDLE_SECONDS", "1");
      env.put("FORGE_WORKER_CONCURRENCY", "3");
      env.put("FORGE_RECONCILE_SECONDS", "1");

      try (ServerProcess server = ServerProcess.start("slow-store", tmp.resolve("data"), env)) {
        TusHttp tus = new TusHttp(server.baseUrl());
        String id = TusHttp.id(tus.upload(data, meta("slow.bin", null)));
        JsonNode stored = tus.awaitStored(id, Duration.ofSeconds(90));
        assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));

        // the row is stored (what the API shows) just before the worker logs it
        String log = server.logTextOnce(STORED_SECONDS, Duration.ofSeconds(10));
        Matcher m = STORED_SECONDS.matcher(log);
        assertThat(m.find()).as("UploadStored logged; log:%n%s", server.logTail()).isTrue();
        double seconds = Double.parseDouble(m.group(2));
        assertThat(seconds)
            .as("the store outlived the claim interval (1 s) several times over")
            .isGreaterThan(4);
        assertThat(m.find()).as("stored once, by one worker").isFalse();
        assertThat(log)
            .as("no worker took the job of the live one")
            .doesNotContain("JobReclaimed", "StoreClaimLost", "Reenqueued");

        List<String> timeline = Backends.timeline(db, id);
        assertThat(timeline.stream().filter("storing"::equals).count())
            .as("claimed once: %s", timeline)
            .isEqualTo(1);
        assertThat(timeline.stream().filter("stored"::equals).count()).isEqualTo(1);
        assertThat(attempts(db, id)).as("one attempt").isEqualTo(1);
        System.out.printf("SlowStoreIT: stored %d MiB in %.1f s with a 1 s claim interval%n",
            SIZE / MIB, seconds);
      }
    }
  }

  /**
   * SIGTERM to a worker process in the middle of a slow store: it stops taking jobs, gives the
   * store a few seconds, then cuts it off and gives the job back (queued, the attempt not
   * counted) before its Redis and database connections close. The next worker stores it at once,
   * long before the claim interval (60 s here) would have freed a silent worker's job.
   */
  @Test
  void a_worker_stopped_mid_store_gives_the_job_back_for_the_next_worker() throws Exception {
    byte[] data = TestData.randomBytes(SIZE, 52);
    String db = TestDatabase.freshDatabaseUrl();
    EmbeddedS3 s3 = TestS3.get();
    URI s3Url = URI.create(s3.endpoint());
    // half the link: ~12 s of transfer, so 1 s in plus the 5 s a stopping worker grants a store
    // leave it well short of the end even when the machine is slow to act on the signal
    try (TestRedis redis = TestRedis.start();
        ThrottledProxy slowS3 =
            ThrottledProxy.start(s3Url.getHost(), s3Url.getPort(), LINK / 2)) {
      Map<String, String> env = new HashMap<>(ServerProcess.externalDb(db));
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", slowS3.url());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
      env.put("FORGE_S3_PART_BYTES", Integer.toString(5 * MIB));
      env.put("FORGE_WORKER_CLAIM_IDLE_SECONDS", "60");
      env.put("FORGE_RECONCILE_SECONDS", "1");
      Map<String, String> httpOnly = new HashMap<>(env);
      httpOnly.put("FORGE_WORKER_CONCURRENCY", "0");
      Map<String, String> worker = new HashMap<>(env);
      worker.put("FORGE_WORKER_CONCURRENCY", "1");

      Path dataDir = tmp.resolve("data");
      try (ServerProcess server = ServerProcess.start("giveback-http", dataDir, httpOnly);
          ServerProcess w1 = ServerProcess.startWorker("giveback-w1", dataDir, worker)) {
        TusHttp tus = new TusHttp(server.baseUrl());
        String id = TusHttp.id(tus.upload(data, meta("stopped.bin", null)));
        tus.awaitState(id, "storing", Duration.ofSeconds(30));
        Thread.sleep(1000); // well into the transfer (~12 s at this link)
        // the link goes quiet: the store is stuck in a write to S3 and never sees the cut-off
        // between two reads, so the stopping worker itself must give the job back
        slowS3.stall(true);
        Thread.sleep(500);

        long termAt = System.nanoTime();
        w1.sigterm();
        assertThat(w1.waitFor(Duration.ofSeconds(30))).as("w1 exited").isTrue();
        slowS3.stall(false);
        double exitSeconds = (System.nanoTime() - termAt) / 1e9;
        String w1Log = w1.logText();
        assertThat(w1Log)
            .as("w1 gave the job back; log:%n%s", w1.logTail())
            .contains("StoreInterrupted id=" + id + ": worker stopping, queued again")
            .doesNotContain("UploadStored", "StoreFailed");
        assertThat(Backends.dbState(db, id)).isEqualTo("queued");
        assertThat(attempts(db, id)).as("the cut-off attempt is not counted").isZero();

        long replaced = System.nanoTime();
        try (ServerProcess w2 = ServerProcess.startWorker("giveback-w2", dataDir, worker)) {
          JsonNode stored = tus.awaitStored(id, Duration.ofSeconds(45));
          double seconds = (System.nanoTime() - replaced) / 1e9;
          assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));
          assertThat(w2.logText()).doesNotContain("JobReclaimed");
          assertThat(attempts(db, id)).isEqualTo(1);
          System.out.printf(
              "SlowStoreIT: w1 exited %.1f s after SIGTERM; w2 stored it %.1f s after its start%n",
              exitSeconds, seconds);
        }
      }
    }
  }

  private static int attempts(String jdbcUrl, String id) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s = c.prepareStatement("SELECT attempts FROM uploads WHERE id = ?")) {
      s.setObject(1, UUID.fromString(id));
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getInt(1);
      }
    }
  }
}
