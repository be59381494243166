package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 201 to a creation-with-upload means the upload is safe: small uploads sent at once (so that
 * their fsyncs and commits are shared), {@code kill -9} of the server the moment the last 201
 * arrived, restart on the same data dir: every acknowledged upload is there, complete and
 * {@code queued}, with its bytes, and its creation audited. The worker is off, so the bytes can
 * only come from staging (for these 16 KiB bodies: kept with their rows, see InlineBodiesIT).
 */
class SmallUploadKillIT {
  private static final int UPLOADS = 24;
  private static final int SIZE = 16 * 1024;

  @TempDir Path tmp;

  @Test
  void small_uploads_acknowledged_with_201_survive_kill_minus_9_right_after() throws Exception {
    Path dataDir = tmp.resolve("data");
    ServerProcess first =
        ServerProcess.start("small-kill-first", dataDir, Map.of("FORGE_WORKER_CONCURRENCY", "0"));
    ServerProcess second = null;
    try {
      TusHttp tus = new TusHttp(first.baseUrl());
      List<byte[]> bodies = new ArrayList<>();
      for (int i = 0; i < UPLOADS; i++) {
        bodies.add(TestData.randomBytes(SIZE, 100 + i));
      }
      List<String> paths = new ArrayList<>();
      ExecutorService clients = Executors.newFixedThreadPool(8);
      try {
        List<Future<HttpResponse<byte[]>>> sent = new ArrayList<>();
        for (byte[] body : bodies) {
          sent.add(clients.submit(
              () -> tus.tryCreateWithBody(body, TestData.meta("small.bin", null), null)));
        }
        for (Future<HttpResponse<byte[]>> f : sent) {
          HttpResponse<byte[]> r = f.get();
          assertThat(r.statusCode()).as("POST with body: %s", TusHttp.text(r)).isEqualTo(201);
          assertThat(r.headers().firstValue("Upload-Offset")).hasValue(Integer.toString(SIZE));
          String loc = r.headers().firstValue("Location").orElseThrow();
          paths.add(loc.substring(loc.indexOf("/files/")));
        }
      } finally {
        clients.shutdownNow();
      }
      first.kill9(); // right after the last 201: nothing may still be on its way to disk

      second = first.restart();
      TusHttp after = new TusHttp(second.baseUrl());
      for (int i = 0; i < UPLOADS; i++) {
        String url = second.baseUrl() + paths.get(i);
        String id = url.substring(url.lastIndexOf('/') + 1);
        assertThat(after.offset(url)).as("offset of %s after restart", id).isEqualTo(SIZE);
        JsonNode row = after.uploadJson(id);
        assertThat(row.path("state").asText()).as("state of %s", id).isEqualTo("queued");
        JsonNode audit = after.getJson("/api/v1/audit?upload_id=" + id);
        List<String> actions = new ArrayList<>();
        audit.path("items").forEach(e -> actions.add(e.path("action").asText()));
        assertThat(actions).as("audit of %s (before its download)", id)
            .containsExactlyInAnyOrder("upload.created", "upload.finished");
        TusHttp.Download d = after.download(url);
        assertThat(d.status()).isEqualTo(200);
        assertThat(d.length()).isEqualTo(SIZE);
        assertThat(d.sha256()).as("bytes of %s", id).isEqualTo(TestData.sha256(bodies.get(i)));
      }
      second.sigterm();
      assertThat(second.waitFor(Duration.ofSeconds(30))).as("graceful stop").isTrue();
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }
}
