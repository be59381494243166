package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: {@code kill -9} of a server (embedded PostgreSQL mode) in the middle of a
 * 200 MiB PATCH, restart on the same data dir (the killed server's PostgreSQL is still running:
 * the restart must deal with it), HEAD reports the saved offset, the client resumes from there and
 * the download's SHA-256 equals the source.
 */
class KillAndResumeIT {
  private static final int MIB = 1 << 20;
  private static final int SIZE = 200 * MIB;
  private static final long RATE = 40L * MIB; // bytes per second: the PATCH would take ~5 s
  private static final int LEASE_SECONDS = 2;

  @TempDir Path tmp;

  @Test
  void killMinus9MidPatchThenResume() throws Exception {
    byte[] data = TestData.randomBytes(SIZE, 7);
    String sourceSha = TestData.sha256(data);
    Path dataDir = tmp.resolve("data");
    Map<String, String> env =
        Map.of(
            "FORGE_CHECKPOINT_SECONDS", "1",
            "FORGE_LOCK_LEASE_SECONDS", Integer.toString(LEASE_SECONDS));

    ServerProcess first = ServerProcess.start("kill-first", dataDir, env);
    ServerProcess second = null;
    try {
      TusHttp tus = new TusHttp(first.baseUrl());
      String url = tus.create(SIZE);
      String path = url.substring(url.indexOf("/files/"));
      long started = System.nanoTime();
      RawHttp.Streaming patch;
      long savedBeforeKill;
      long sentAtKill;
      try (RawHttp.Streaming p =
          new RawHttp(url).patch(url, 0).header("Content-Length", SIZE).stream(data, 0, SIZE, RATE)) {
        patch = p;
        // Wait until the server reports a checkpoint (HEAD needs no lock) and ~2 s have passed.
        savedBeforeKill =
            Poll.until(
                "a checkpoint of the streaming PATCH",
                Duration.ofSeconds(20),
                () -> tus.offset(url),
                o -> o > 0 && System.nanoTime() - started > 2_000_000_000L);
        assertThat(p.ended()).as("the PATCH is still streaming: %s", p).isFalse();
        first.kill9();
        sentAtKill = p.sent();
        assertThat(p.awaitEnd(10_000)).as("client sees the connection die").isTrue();
      }
      assertThat(sentAtKill).as("killed mid-PATCH").isLessThan(SIZE);
      assertThat(ServerProcess.embeddedPostgres(dataDir))
          .as("SIGKILL leaves the embedded PostgreSQL running (what the restart must handle)")
          .isPresent();

      long restartAt = System.nanoTime();
      second = first.restart();
      double restartSeconds = LockRows.seconds(System.nanoTime() - restartAt);
      String url2 = second.baseUrl() + path;

      long offset = tus.offset(url2);
      assertThat(offset)
          .as("HEAD after restart: saved bytes (sent %d, checkpoint seen %d)", sentAtKill,
              savedBeforeKill)
          .isGreaterThanOrEqualTo(savedBeforeKill)
          .isGreaterThan(0)
          .isLessThanOrEqualTo(sentAtKill);

      // Resume: the dead holder's lease must not block us for longer than the lease.
      long resumeAt = System.nanoTime();
      int locked = 0;
      HttpResponse<byte[]> r;
      while (true) {
        r = tus.patch(url2, offset, data, (int) offset, SIZE - (int) offset);
        if (r.statusCode() != 423
            || System.nanoTime() - resumeAt > Duration.ofSeconds(LEASE_SECONDS + 3).toNanos()) {
          break;
        }
        locked++;
        Poll.sleep(200);
      }
      assertThat(r.statusCode())
          .as("resume PATCH from %d (after %d x 423): %s", offset, locked, TusHttp.text(r))
          .isEqualTo(204);
      assertThat(r.headers().firstValue("Upload-Offset")).hasValue(Long.toString(SIZE));

      TusHttp.Download d = tus.download(url2);
      assertThat(d.status()).isEqualTo(200);
      assertThat(d.length()).isEqualTo(SIZE);
      assertThat(d.sha256()).isEqualTo(sourceSha);
      System.out.printf(
          "KillAndResumeIT: sent %d MiB before kill, checkpoint seen %d MiB, resumed from %d MiB,"
              + " restart %.1f s, 423s before resume %d, patch %s%n",
          sentAtKill / MIB, savedBeforeKill / MIB, offset / MIB, restartSeconds, locked, patch);

      second.sigterm();
      assertThat(second.waitFor(Duration.ofSeconds(30))).as("graceful stop").isTrue();
      assertThat(ServerProcess.embeddedPostgres(dataDir))
          .as("embedded PostgreSQL stopped with its server")
          .isEmpty();
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }
}
