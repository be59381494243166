package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TusHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while a PATCH streams, on the embedded default (its own PostgreSQL, Redis and S3Proxy):
 * the server stops in the reverse order of its start. The PATCH's body still arrives after the
 * signal and completes the upload; its job reaches the embedded Redis before Redis stops (no
 * {@code EnqueueFailed}, no warnings while stopping), and the next start stores it from the queue
 * alone (its reconciler re-enqueues nothing). The first server runs no workers, so the job must
 * survive in Redis. The embedded Redis and S3Proxy run in sessions of their own, so Ctrl-C in a
 * terminal reaches only the server, which stops them last.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ShutdownOrderIT {
  private static final int MIB = 1 << 20;
  private static final int SIZE = 32 * MIB;
  private static final long RATE = 8L * MIB; // 4 s for the body: most of it after SIGTERM

  @TempDir Path tmp;

  @Test
  void an_upload_completed_after_sigterm_is_queued_before_redis_stops_and_stored_after_restart()
      throws Exception {
    byte[] data = TestData.randomBytes(SIZE, 41);
    Path dataDir = tmp.resolve("data");
    ServerProcess first =
        ServerProcess.start(
            "shutdown-first", dataDir,
            Map.of("FORGE_WORKER_CONCURRENCY", "0", "FORGE_SHUTDOWN_TIMEOUT_SECONDS", "15"));
    ServerProcess second = null;
    try {
      assertDetached(first, dataDir.resolve("redis").resolve("redis.pid"), "redis-server");
      assertDetached(first, dataDir.resolve("s3proxy").resolve("s3proxy.pid"), "s3proxy");

      TusHttp tus = new TusHttp(first.baseUrl());
      String url = tus.create(SIZE);
      String id = TusHttp.id(url);
      String path = TusHttp.path(url);
      double exitSeconds;
      try (RawHttp.Streaming p =
          new RawHttp(url).withTimeout(Duration.ofSeconds(30)).patch(url, 0)
              .header("Content-Length", SIZE).stream(data, 0, SIZE, RATE)) {
        Poll.until("4 MiB on the wire", Duration.ofSeconds(10), p::sent, n -> n >= 4L * MIB);
        long termAt = System.nanoTime();
        first.sigterm();
        assertThat(p.awaitEnd(20_000)).as("the PATCH ended: %s", p).isTrue();
        assertThat(p.statusLine())
            .as("the body that arrived after SIGTERM was taken in full: %s; log:%n%s", p,
                first.logTail())
            .contains(" 204");
        assertThat(first.waitFor(Duration.ofSeconds(30))).as("exited").isTrue();
        exitSeconds = (System.nanoTime() - termAt) / 1e9;
      }

      String log = first.logText();
      assertThat(log).contains("UploadFinished id=" + id);
      List<String> stopping = linesFrom(log, "Stopping");
      assertThat(stopping).as("the server logged its stop; log:%n%s", first.logTail()).isNotEmpty();
      assertThat(stopping)
          .as("no enqueue failure and no warnings while stopping")
          .noneMatch(l -> l.contains("EnqueueFailed") || l.contains(" WARN "));

      second = ServerProcess.start("shutdown-second", dataDir, Map.of());
      TusHttp tus2 = new TusHttp(second.baseUrl());
      JsonNode stored = tus2.awaitStored(id, Duration.ofSeconds(60));
      assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));
      assertThat(tus2.offset(second.baseUrl() + path)).isEqualTo(SIZE);
      assertThat(second.logText())
          .as("stored from the job the first server queued, not re-enqueued by the reconciler")
          .contains("UploadStored id=" + id)
          .doesNotContain("Reenqueued");
      System.out.printf(
          "ShutdownOrderIT: exit %.1f s after SIGTERM (body done ~%.1f s after it)%n",
          exitSeconds, (SIZE - 4.0 * MIB) / RATE);
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  /** The log lines from the first one containing {@code marker} on. */
  private static List<String> linesFrom(String log, String marker) {
    List<String> lines = log.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(" - " + marker)) {
        return lines.subList(i, lines.size());
      }
    }
    return List.of();
  }

  /** The child named by {@code pidFile} runs in another session than the server (setsid). */
  private static void assertDetached(ServerProcess server, Path pidFile, String kind)
      throws IOException {
    long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
    assertThat(ProcessHandle.of(pid).map(h -> h.info().commandLine().orElse("")).orElse(""))
        .as("%s runs as pid %d", kind, pid)
        .contains(kind);
    assertThat(session(pid))
        .as("%s (pid %d) is in a session of its own, not the server's", kind, pid)
        .isNotEqualTo(session(server.pid()));
  }

  /** Field 6 of /proc/<pid>/stat (after the command in parentheses: state, ppid, pgrp, sid). */
  private static long session(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[3]);
  }
}
