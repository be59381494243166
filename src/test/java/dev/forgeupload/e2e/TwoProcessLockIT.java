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
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upload locks across two server processes sharing one database (staging is each node's own
 * disk, so this is about locks, not about moving bytes between nodes): a request on an upload
 * held by the other node gets 423; when the holder is killed its lease expires and the other node
 * gets in; a stalled client is cut off when a resuming client asks, well before the read timeout.
 */
class TwoProcessLockIT {
  private static final int MIB = 1 << 20;
  private static final int LEASE_SECONDS = 2;
  private static final int READ_TIMEOUT_SECONDS = 30;

  @TempDir static Path tmp;
  private static String db;
  private static ServerProcess a;
  private static ServerProcess b;

  @BeforeAll
  static void start() {
    db = TestDatabase.freshDatabaseUrl();
    Map<String, String> env = new HashMap<>(ServerProcess.externalDb(db));
    env.put("FORGE_LOCK_WAIT_SECONDS", "1");
    env.put("FORGE_LOCK_LEASE_SECONDS", Integer.toString(LEASE_SECONDS));
    env.put("FORGE_STALL_SECONDS", "1");
    // No checkpoints: a lock test, and the other node has none of A's staged bytes, so the
    // upload must still be at offset 0 when A dies (bytes are kept only when a PATCH ends).
    env.put("FORGE_CHECKPOINT_SECONDS", "3600");
    env.put("FORGE_READ_TIMEOUT_SECONDS", Integer.toString(READ_TIMEOUT_SECONDS));
    // The first start migrates the shared database; the second follows once it is ready.
    a = ServerProcess.start("lock-a", tmp.resolve("a"), env);
    b = ServerProcess.start("lock-b", tmp.resolve("b"), env);
  }

  @AfterAll
  static void stop() {
    CompletableFuture<Void> fa =
        CompletableFuture.runAsync(() -> {
          if (a != null) {
            a.close();
          }
        });
    if (b != null) {
      b.close();
    }
    fa.join();
  }

  @Test
  void otherNodeGets423WhileHeldAndGetsInAfterHolderIsKilled() throws Exception {
    int size = 64 * MIB;
    byte[] data = TestData.randomBytes(size, 3);
    TusHttp tus = new TusHttp(a.baseUrl());
    String urlA = tus.create(size);
    UUID id = UUID.fromString(TusHttp.id(urlA));
    String urlB = b.baseUrl() + "/files/" + id;

    // (a) A slow PATCH on A (512 KiB/s; checkpoints are off here) holds the lock.
    try (RawHttp.Streaming slow =
        new RawHttp(urlA).patch(urlA, 0).header("Content-Length", size)
            .stream(data, 0, size, 512 * 1024)) {
      LockRows.LockRow held =
          Poll.until(
                  "A's PATCH to hold the lock",
                  Duration.ofSeconds(10),
                  () -> LockRows.lockRow(db, id),
                  Optional::isPresent)
              .orElseThrow();

      long t = System.nanoTime();
      HttpResponse<byte[]> onB = tus.patch(urlB, 0, data, 0, 1024);
      double bSeconds = LockRows.seconds(System.nanoTime() - t);
      assertThat(onB.statusCode()).as("PATCH on B while A holds the lock: %s", TusHttp.text(onB))
          .isEqualTo(423);
      assertThat(onB.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
      HttpResponse<byte[]> onA = tus.patch(urlA, 0, data, 0, 1024);
      assertThat(onA.statusCode()).as("second PATCH on A itself: %s", TusHttp.text(onA)).isEqualTo(423);
      assertThat(slow.ended()).as("the slow PATCH was not disturbed: %s", slow).isFalse();
      assertThat(LockRows.lockRow(db, id)).map(LockRows.LockRow::holder).hasValue(held.holder());

      // (b) kill -9 A while it holds the lock: the row stays, its heartbeat stops.
      a.kill9();
      long killedAt = System.nanoTime();
      LockRows.LockRow stale =
          Poll.until(
                  "A's lease to expire (heartbeat older than the lease)",
                  Duration.ofSeconds(LEASE_SECONDS + 5),
                  () -> LockRows.lockRow(db, id),
                  r -> r.isEmpty() || r.get().heartbeatAgeSeconds() > LEASE_SECONDS)
              .orElseThrow(() -> new AssertionError("the dead holder's row vanished by itself"));
      assertThat(stale.holder()).isEqualTo(held.holder());

      // B gets in: no 423 any more, within the lease plus a few seconds of the kill.
      long offset = tus.offset(urlB);
      assertThat(offset).as("nothing was checkpointed by the slow PATCH").isZero();
      HttpResponse<byte[]> after =
          Poll.until(
              "a PATCH on B that is not 423",
              Duration.ofSeconds(LEASE_SECONDS + 5),
              () -> tus.patch(urlB, 0, data, 0, MIB),
              r -> r.statusCode() != 423);
      double takeoverSeconds = LockRows.seconds(System.nanoTime() - killedAt);
      // B has no staged bytes of U, but the offset is 0, so it simply appends: observed 204.
      assertThat(after.statusCode()).as("PATCH on B after A died: %s", TusHttp.text(after))
          .isEqualTo(204);
      assertThat(after.headers().firstValue("Upload-Offset")).hasValue(Long.toString(MIB));
      assertThat(LockRows.lockRow(db, id))
          .as("the dead holder's row was taken over (and released by B)")
          .satisfiesAnyOf(
              r -> assertThat(r).isEmpty(),
              r -> assertThat(r.get().holder()).isNotEqualTo(held.holder()));
      System.out.printf(
          "TwoProcessLockIT: 423 on B after %.1f s; B got in %.1f s after kill -9 of A (lease %d"
              + " s); status %d%n",
          bSeconds, takeoverSeconds, LEASE_SECONDS, after.statusCode());
    }
  }

  @Test
  void stalledClientIsCutOffWhenAResumingClientAsks() throws Exception {
    ServerProcess node = b; // any live node: the stalled request and the resume go to the same one
    int size = 8 * MIB;
    int stallAfter = MIB;
    byte[] data = TestData.randomBytes(size, 5);
    TusHttp tus = new TusHttp(node.baseUrl());
    String url = tus.create(size);
    UUID id = UUID.fromString(TusHttp.id(url));

    try (RawHttp.Streaming stalled =
        new RawHttp(url).patch(url, 0).header("Content-Length", size)
            .stream(data, 0, size, 64L * MIB, stallAfter)) {
      assertThat(stalled.awaitStalled(10_000)).isTrue();
      Poll.until("the stalled PATCH to hold the lock", Duration.ofSeconds(10),
          () -> LockRows.lockRow(db, id), Optional::isPresent);

      // The resuming client: HEAD (which asks the holder to let go) until the stalled request's
      // bytes are committed, then PATCH from there.
      long t0 = System.nanoTime();
      long offset =
          Poll.until("HEAD to show the stalled request's bytes", Duration.ofSeconds(10),
              () -> tus.offset(url), o -> o > 0);
      assertThat(offset).as("all bytes the stalled client sent were kept").isEqualTo(stallAfter);
      HttpResponse<byte[]> r =
          Poll.until("the resumed PATCH to get in", Duration.ofSeconds(10),
              () -> tus.patch(url, offset, data, (int) offset, size - (int) offset),
              x -> x.statusCode() != 423);
      double resumeSeconds = LockRows.seconds(System.nanoTime() - t0);
      assertThat(r.statusCode()).as("resumed PATCH: %s", TusHttp.text(r)).isEqualTo(204);
      assertThat(resumeSeconds)
          .as("resumed client gets in within seconds, not after the %d s read timeout",
              READ_TIMEOUT_SECONDS)
          .isLessThan(10.0);
      assertThat(stalled.awaitEnd(5_000))
          .as("the server closed the stalled connection: %s", stalled).isTrue();
      assertThat(stalled.error() instanceof RawHttp.Hang)
          .as("ended by the server, not by the client's read timeout: %s", stalled)
          .isFalse();

      TusHttp.Download d = tus.download(url);
      assertThat(d.length()).isEqualTo(size);
      assertThat(d.sha256()).isEqualTo(TestData.sha256(data));
      System.out.printf(
          "TwoProcessLockIT: stalled client cut off, resumed client in after %.1f s; stalled: %s%n",
          resumeSeconds, stalled);
    }
  }
}
