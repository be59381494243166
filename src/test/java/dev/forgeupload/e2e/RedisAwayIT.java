package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis goes away under a running production-shaped server (all three services configured): the
 * log and {@code /readyz} agree (a {@code NotReady} line naming Redis and its URL when /readyz
 * turns 503, {@code Ready again} when it is 200 again), uploads are still accepted and completed
 * (PostgreSQL and the staging disk hold them), the workers say so once rather than every second,
 * and once Redis is back the upload is stored.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisAwayIT {
  @TempDir Path tmp;

  @Test
  void while_redis_is_away_readyz_and_the_log_agree_and_uploads_are_accepted_then_stored()
      throws Exception {
    EmbeddedS3 s3 = TestS3.get();
    try (TestRedis redis = TestRedis.start()) {
      Map<String, String> env = new HashMap<>(ServerProcess.externalDb(
          TestDatabase.freshDatabaseUrl()));
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", s3.endpoint());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
      env.put("FORGE_RECONCILE_SECONDS", "1");
      try (ServerProcess server = ServerProcess.start("redis-away", tmp.resolve("data"), env)) {
        TusHttp tus = new TusHttp(server.baseUrl()).withTimeout(Duration.ofSeconds(20));
        assertThat(server.logText()).contains("Ready url=");

        redis.stop();
        Poll.until("/readyz 503 with Redis away", Duration.ofSeconds(15),
            () -> tus.get("/readyz").statusCode(), s -> s == 503);
        String notReady = "NotReady reason=redis unreachable at " + redis.url();
        Poll.until("the log to say why", Duration.ofSeconds(10), server::logText,
            l -> l.contains(notReady));

        byte[] data = TestData.randomBytes(300_000, 61);
        String url = tus.create(data.length);
        HttpResponse<byte[]> r = tus.patch(url, 0, data);
        assertThat(r.statusCode()).as("PATCH with Redis away: %s", TusHttp.text(r)).isEqualTo(204);
        String id = TusHttp.id(url);
        assertThat(tus.state(id)).as("complete and waiting for Redis").isEqualTo("queued");
        Thread.sleep(4000); // a few worker and reconciler rounds against the missing Redis
        String during = server.logText();
        assertThat(count(during, "WorkerLoopError"))
            .as("one line per worker thread for the outage, not one a second")
            .isLessThanOrEqualTo(2);
        assertThat(count(during, "ReconcileFailed")).isLessThanOrEqualTo(1);
        assertThat(count(during, "EventSubscriptionLost")).isLessThanOrEqualTo(1);

        redis.restart();
        Poll.until("/readyz 200 with Redis back", Duration.ofSeconds(15),
            () -> tus.get("/readyz").statusCode(), s -> s == 200);
        Poll.until("the log to say so", Duration.ofSeconds(10), server::logText,
            l -> l.indexOf("Ready again") > l.indexOf(notReady));
        JsonNode stored = tus.awaitStored(id, Duration.ofSeconds(30));
        assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));
      }
    }
  }

  private static long count(String log, String event) {
    return log.lines().filter(l -> l.contains(" - " + event)).count();
  }
}
