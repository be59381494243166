package dev.forgeupload.pipeline;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.Poll;
import io.minio.MinioClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault: the S3 endpoint is down for 30 s (S3Proxy stopped) while uploads finish. Workers retry
 * with backoff (1 s base, doubling, capped at 60 s; 10 attempts cover far more than 30 s), and
 * once S3 is back on the same port every upload ends stored; none fails.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class S3DownIT {
  private static final Duration OUTAGE = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @Test
  void uploads_finished_while_s3_is_down_for_30_seconds_are_stored_when_it_returns()
      throws Exception {
    Path s3Data = tmp.resolve("s3");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    EmbeddedS3 s3 = EmbeddedS3.start(s3Data, EmbeddedS3.defaultJar(), port);
    TestServer server = null;
    try {
      server =
          TestServer.start(
              Map.of(
                  "FORGE_S3_ENDPOINT", s3.endpoint(),
                  "FORGE_S3_ACCESS_KEY", s3.accessKey(),
                  "FORGE_S3_SECRET_KEY", s3.secretKey(),
                  "FORGE_WORKER_BACKOFF_SECONDS", "1",
                  "FORGE_WORKER_MAX_ATTEMPTS", "10"));
      TusHttp tus = new TusHttp(server.baseUrl());
      // S3 works before the outage.
      byte[] before = TestData.randomBytes(50_000, 1);
      String first = TusHttp.id(tus.upload(before, meta("before.bin", null)));
      tus.awaitStored(first, Duration.ofSeconds(30));

      s3.close();
      long downAt = System.nanoTime();
      Map<String, byte[]> sent = new LinkedHashMap<>();
      for (int i = 0; i < 5; i++) {
        byte[] data = TestData.randomBytes(200_000 + i * 1000, 10 + i);
        sent.put(TusHttp.id(tus.upload(data, meta("during-" + i + ".bin", null))), data);
      }

      // While S3 is away nothing can be stored, nothing may give up, and the workers do try.
      while (System.nanoTime() - downAt < OUTAGE.toNanos()) {
        for (String id : sent.keySet()) {
          String state = tus.state(id);
          assertThat(state).as("%s during the outage", id).isIn("queued", "storing");
        }
        Poll.sleep(500);
      }
      for (String id : sent.keySet()) {
        JsonNode u = tus.uploadJson(id);
        assertThat(u.path("error").asText("")).as("a failed attempt is recorded: %s", u)
            .isNotBlank();
      }

      s3 = EmbeddedS3.start(s3Data, EmbeddedS3.defaultJar(), port);
      long upAt = System.nanoTime();
      MinioClient minio = Backends.minio(s3);
      List<String> pending = new ArrayList<>(sent.keySet());
      Poll.until(
          "all 5 uploads stored after S3 returned",
          Duration.ofSeconds(90),
          Duration.ofMillis(250),
          () -> {
            pending.removeIf(
                id -> {
                  String state = tus.state(id);
                  assertThat(state).as("%s after the outage", id).isNotEqualTo("failed");
                  return state.equals("stored");
                });
            return List.copyOf(pending);
          },
          List::isEmpty);
      System.out.printf(
          "S3DownIT: all stored %.1f s after S3 came back%n", (System.nanoTime() - upAt) / 1e9);
      for (Map.Entry<String, byte[]> e : sent.entrySet()) {
        JsonNode u = tus.uploadJson(e.getKey());
        assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(e.getValue()));
        assertThat(Backends.object(minio, server.bucket(), u.path("storage_key").asText()))
            .isEqualTo(e.getValue());
        assertThat(Backends.timeline(server.databaseUrl(), e.getKey())).doesNotContain("failed");
      }
    } finally {
      if (server != null) {
        server.close();
      }
      s3.close();
    }
  }
}
