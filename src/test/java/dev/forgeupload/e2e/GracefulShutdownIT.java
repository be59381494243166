package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TestDatabase;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while a PATCH streams: the process exits within a bounded time, the bytes it received
 * are kept (checkpoints are switched off, so only the shutdown path can have saved them), the
 * upload's lock row is gone, and after a restart the upload resumes to the right SHA-256.
 */
class GracefulShutdownIT {
  private static final int MIB = 1 << 20;
  private static final int SIZE = 64 * MIB;
  private static final long RATE = 8L * MIB; // ~8 s for the whole body: still streaming at SIGTERM
  private static final int SHUTDOWN_TIMEOUT_SECONDS = 3;

  @TempDir Path tmp;

  @Test
  void sigtermMidPatchKeepsBytesReleasesLockAndExits() throws Exception {
    byte[] data = TestData.randomBytes(SIZE, 11);
    String sourceSha = TestData.sha256(data);
    String db = TestDatabase.freshDatabaseUrl();
    Map<String, String> env = new HashMap<>(ServerProcess.externalDb(db));
    env.put("FORGE_SHUTDOWN_TIMEOUT_SECONDS", Integer.toString(SHUTDOWN_TIMEOUT_SECONDS));
    env.put("FORGE_CHECKPOINT_SECONDS", "3600"); // no periodic checkpoint during this test
    Path dataDir = tmp.resolve("data");

    ServerProcess first = ServerProcess.start("graceful-first", dataDir, env);
    ServerProcess second = null;
    try {
      TusHttp tus = new TusHttp(first.baseUrl());
      String url = tus.create(SIZE);
      String path = url.substring(url.indexOf("/files/"));
      UUID id = UUID.fromString(TusHttp.id(url));

      long sentAtTerm;
      double exitSeconds;
      try (RawHttp.Streaming p =
          new RawHttp(url).patch(url, 0).header("Content-Length", SIZE).stream(data, 0, SIZE, RATE)) {
        Poll.until(
            "the PATCH to hold the upload's lock",
            Duration.ofSeconds(10),
            () -> LockRows.lockRow(db, id),
            r -> r.isPresent());
        Poll.until("4 MiB on the wire", Duration.ofSeconds(10), p::sent, n -> n >= 4L * MIB);
        assertThat(tus.offset(url)).as("no checkpoint yet").isZero();

        long termAt = System.nanoTime();
        first.sigterm();
        boolean exited = first.waitFor(Duration.ofSeconds(15));
        exitSeconds = LockRows.seconds(System.nanoTime() - termAt);
        assertThat(exited)
            .as("exits within 15 s of SIGTERM (shutdown timeout %d s); log:%n%s",
                SHUTDOWN_TIMEOUT_SECONDS, first.logTail())
            .isTrue();
        assertThat(p.awaitEnd(10_000)).as("the client's PATCH ended: %s", p).isTrue();
        sentAtTerm = p.sent();
        assertThat(sentAtTerm).as("stopped mid-PATCH").isLessThan(SIZE);
      }

      assertThat(LockRows.lockRow(db, id))
          .as("no upload_locks row left by the stopped server; log:%n%s", first.logTail())
          .isEmpty();

      second = first.restart();
      String url2 = second.baseUrl() + path;
      long offset = tus.offset(url2);
      assertThat(offset)
          .as("bytes received before SIGTERM were kept (sent %d); log of the stopped server:%n%s",
              sentAtTerm, first.logTail())
          .isGreaterThan(0)
          .isLessThanOrEqualTo(sentAtTerm);

      HttpResponse<byte[]> r = tus.patch(url2, offset, data, (int) offset, SIZE - (int) offset);
      assertThat(r.statusCode()).as("resume from %d: %s", offset, TusHttp.text(r)).isEqualTo(204);
      TusHttp.Download d = tus.download(url2);
      assertThat(d.length()).isEqualTo(SIZE);
      assertThat(d.sha256()).isEqualTo(sourceSha);
      System.out.printf(
          "GracefulShutdownIT: exit %.1f s after SIGTERM, sent %d bytes, kept %d bytes%n",
          exitSeconds, sentAtTerm, offset);
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }
}
