package dev.forgeupload.s3staging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FORGE_STAGING=s3 and {@code kill -9} of the server in the middle of a PATCH: the offset
 * advances with every part S3 acknowledges (timed checkpoints are off here), after a restart it
 * is at a part boundary, the client resumes from there, and the stored
 * object's SHA-256 (computed while the bytes arrived, across both processes) equals the source.
 */
class S3KillResumeIT {
  private static final int MIB = 1 << 20;
  private static final int SIZE = 48 * MIB;
  private static final long RATE = 8L * MIB; // bytes per second: the PATCH would take ~6 s
  private static final int LEASE_SECONDS = 2;

  @TempDir Path tmp;

  @Test
  void killed_mid_patch_the_upload_resumes_at_a_part_boundary_with_the_same_sha256()
      throws Exception {
    byte[] data = TestData.randomBytes(SIZE, 31);
    Path dataDir = tmp.resolve("data");
    Map<String, String> env = Map.of(
        "FORGE_STAGING", "s3",
        // no timed checkpoint during the test: the offset can only follow the parts S3 acked
        "FORGE_CHECKPOINT_SECONDS", "3600",
        "FORGE_LOCK_LEASE_SECONDS", Integer.toString(LEASE_SECONDS));
    ServerProcess first = ServerProcess.start("s3-kill-first", dataDir, env);
    ServerProcess second = null;
    try {
      TusHttp tus = new TusHttp(first.baseUrl());
      String url = tus.create(SIZE);
      String path = TusHttp.path(url);
      long sentAtKill;
      try (RawHttp.Streaming p = new RawHttp(url).patch(url, 0).header("Content-Length", SIZE)
          .stream(data, 0, SIZE, RATE)) {
        Poll.until("two parts committed", Duration.ofSeconds(30), () -> tus.offset(url),
            o -> o >= 10L * MIB);
        assertThat(p.ended()).as("the PATCH is still streaming: %s", p).isFalse();
        first.kill9();
        sentAtKill = p.sent();
        assertThat(p.awaitEnd(10_000)).isTrue();
      }
      assertThat(sentAtKill).isLessThan(SIZE);

      second = first.restart();
      TusHttp tus2 = new TusHttp(second.baseUrl());
      String url2 = second.baseUrl() + path;
      long offset = tus2.offset(url2);
      assertThat(offset).as("offset after the kill (sent %d)", sentAtKill)
          .isGreaterThanOrEqualTo(10L * MIB).isLessThanOrEqualTo(sentAtKill);
      assertThat(offset % (5L * MIB)).as("a part boundary").isZero();

      long resumeAt = System.nanoTime();
      HttpResponse<byte[]> r;
      while (true) {
        r = tus2.patch(url2, offset, data, (int) offset, SIZE - (int) offset);
        if (r.statusCode() != 423
            || System.nanoTime() - resumeAt > Duration.ofSeconds(LEASE_SECONDS + 3).toNanos()) {
          break;
        }
        Poll.sleep(200);
      }
      TusHttp.assertStatus("resume PATCH from " + offset, r, 204);

      JsonNode u = tus2.awaitStored(TusHttp.id(url2), Duration.ofSeconds(60));
      assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
      assertThat(tus2.download("/api/v1/uploads/" + TusHttp.id(url2) + "/content").sha256())
          .isEqualTo(TestData.sha256(data));
      Path staging = dataDir.resolve("staging");
      assertThat(!Files.isDirectory(staging) || Files.list(staging).findAny().isEmpty())
          .as("nothing staged on the node's disk").isTrue();
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }
}
