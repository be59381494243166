package dev.forgeupload.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.TestServer;
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
      String base = server.baseUrl();
      // S3 works before the outage.
      byte[] before = Pipe.randomBytes(50_000, 1);
      Pipe.awaitStored(base, Pipe.upload(base, before, "before.bin"), Duration.ofSeconds(30));

      s3.close();
      long downAt = System.nanoTime();
      Map<String, byte[]> sent = new LinkedHashMap<>();
      for (int i = 0; i < 5; i++) {
        byte[] data = Pipe.randomBytes(200_000 + i * 1000, 10 + i);
        sent.put(Pipe.upload(base, data, "during-" + i + ".bin"), data);
      }

      // While S3 is away nothing can be stored, nothing may give up, and the workers do try.
      final String b = base;
      while (System.nanoTime() - downAt < OUTAGE.toNanos()) {
        for (String id : sent.keySet()) {
          String state = Pipe.state(b, id);
          assertThat(state).as("%s during the outage", id).isIn("queued", "storing");
        }
        Pipe.sleep(500);
      }
      for (String id : sent.keySet()) {
        JsonNode u = Pipe.upload(b, id);
        assertThat(u.path("error").asText("")).as("a failed attempt is recorded: %s", u)
            .isNotBlank();
      }

      s3 = EmbeddedS3.start(s3Data, EmbeddedS3.defaultJar(), port);
      long upAt = System.nanoTime();
      MinioClient minio = Pipe.minio(s3);
      List<String> pending = new ArrayList<>(sent.keySet());
      Pipe.poll(
          "all 5 uploads stored after S3 returned",
          Duration.ofSeconds(90),
          Duration.ofMillis(250),
          () -> {
            pending.removeIf(
                id -> {
                  String state = Pipe.state(b, id);
                  assertThat(state).as("%s after the outage", id).isNotEqualTo("failed");
                  return state.equals("stored");
                });
            return List.copyOf(pending);
          },
          List::isEmpty);
      System.out.printf(
          "S3DownIT: all stored %.1f s after S3 came back%n", (System.nanoTime() - upAt) / 1e9);
      for (Map.Entry<String, byte[]> e : sent.entrySet()) {
        JsonNode u = Pipe.upload(b, e.getKey());
        assertThat(u.path("sha256").asText()).isEqualTo(Pipe.sha256(e.getValue()));
        assertThat(Pipe.object(minio, server.bucket(), u.path("storage_key").asText()))
            .isEqualTo(e.getValue());
        assertThat(Pipe.timeline(server.databaseUrl(), e.getKey())).doesNotContain("failed");
      }
    } finally {
      if (server != null) {
        server.close();
      }
      s3.close();
    }
  }
}
