package dev.forgeupload.tus;

import static dev.forgeupload.testing.TusHttp.text;
import static dev.forgeupload.testing.TestData.checksum;
import static dev.forgeupload.testing.TestData.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies over raw sockets: checksum trailers, a PATCH held open while another arrives (423),
 * many PATCHes racing for one offset, a client that disconnects mid-body.
 */
class TusStreamingIT {
  private static TestServer server;
  private static TusHttp tus;
  private static RawHttp raw;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_LOCK_WAIT_SECONDS", "1", "FORGE_STALL_SECONDS", "3"));
    tus = new TusHttp(server.baseUrl());
    raw = new RawHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  // ---- checksum-trailer

  @Test
  void chunked_patch_with_a_matching_checksum_trailer_returns_204() {
    byte[] data = randomBytes(50_000, 1);
    String url = tus.create(data.length);

    RawHttp.Response r =
        chunkedWithTrailer(url, 0, data, "sha256 " + checksum("sha256", data));

    assertThat(r.status()).as(r.text()).isEqualTo(204);
    assertThat(r.header("Upload-Offset")).isEqualTo("50000");
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void chunked_patch_with_a_mismatching_checksum_trailer_returns_460_and_keeps_the_offset() {
    byte[] first = randomBytes(1000, 2);
    byte[] data = randomBytes(20_000, 3);
    String url = tus.create(first.length + data.length);
    assertThat(tus.patch(url, 0, first).statusCode()).isEqualTo(204);

    RawHttp.Response r =
        chunkedWithTrailer(url, 1000, data, "sha1 " + checksum("sha1", randomBytes(20_000, 4)));

    assertThat(r.status()).as(r.text()).isEqualTo(460);
    assertThat(tus.offset(url)).isEqualTo(1000);
    // the refused bytes are gone: the right ones complete the upload exactly
    assertThat(chunkedWithTrailer(url, 1000, data, "md5 " + checksum("md5", data)).status())
        .isEqualTo(204);
    byte[] expected = new byte[21_000];
    System.arraycopy(first, 0, expected, 0, 1000);
    System.arraycopy(data, 0, expected, 1000, 20_000);
    assertThat(tus.get(url).body()).isEqualTo(expected);
  }

  private static RawHttp.Response chunkedWithTrailer(
      String url, long offset, byte[] data, String checksum) {
    return raw.patch(url, offset)
        .header("Transfer-Encoding", "chunked")
        .header("Trailer", "Upload-Checksum")
        .body(RawHttp.chunked(data, 7000, "Upload-Checksum: " + checksum))
        .send();
  }

  // ---- 423

  @Test
  void patch_while_another_request_holds_the_upload_returns_423() throws Exception {
    int total = 40_000;
    byte[] data = randomBytes(total, 5);
    String url = tus.create(total);
    AtomicBoolean trickle = new AtomicBoolean(true);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (RawHttp.Connection slow = raw.patch(url, 0).header("Content-Length", total).open()) {
      slow.write(data, 0, 1000);
      // keep the holder alive (not stalled) with a few bytes every 100 ms
      Future<Integer> sender =
          pool.submit(
              () -> {
                int sent = 1000;
                while (trickle.get() && sent < total - 100) {
                  slow.write(data, sent, 10);
                  sent += 10;
                  Thread.sleep(100);
                }
                return sent;
              });
      Thread.sleep(500); // the slow PATCH has taken the lock by now

      long t0 = System.nanoTime();
      HttpResponse<byte[]> second = tus.patch(url, 0, randomBytes(100, 6));
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      HttpResponse<byte[]> delete = tus.delete(url);

      assertThat(second.statusCode()).as(text(second)).isEqualTo(423);
      assertThat(delete.statusCode()).as(text(delete)).isEqualTo(423);
      assertThat(waitedMs).as("waited for the lock").isLessThan(10_000);

      // the holder is not hurt by the contenders: it finishes and wins
      trickle.set(false);
      int sent = sender.get(10, TimeUnit.SECONDS);
      slow.write(data, sent, total - sent);
      RawHttp.Response first = slow.read();
      assertThat(first.status()).as(first.text()).isEqualTo(204);
      assertThat(first.header("Upload-Offset")).isEqualTo(Integer.toString(total));
    } finally {
      trickle.set(false);
      pool.shutdownNow();
    }
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  // ---- racing PATCHes

  @Test
  void twenty_concurrent_patches_at_one_offset_have_exactly_one_winner_and_no_5xx()
      throws Exception {
    int size = 2 << 20;
    int n = 20;
    String url = tus.create(size);
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      bodies.add(randomBytes(size, 100 + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RawHttp.Response>> results = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        byte[] b = bodies.get(i);
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return raw.patch(url, 0).header("Content-Length", b.length).body(b).send();
                }));
      }
      go.countDown();
      List<Integer> statuses = new ArrayList<>();
      List<Object> failures = new ArrayList<>();
      int winner = -1;
      for (int i = 0; i < n; i++) {
        RawHttp.Response r = results.get(i).get(60, TimeUnit.SECONDS);
        if (r.status() == -1) {
          failures.add(r);
        } else {
          statuses.add(r.status());
          if (r.status() == 204) {
            winner = i;
          }
        }
      }

      assertThat(failures).as("requests without any HTTP answer").isEmpty();
      assertThat(statuses).as("statuses %s", statuses).filteredOn(s -> s == 204).hasSize(1);
      assertThat(statuses).as("statuses %s", statuses).allMatch(s -> s == 204 || s == 409 || s == 423, "204, 409 or 423");
      assertThat(tus.offset(url)).isEqualTo(size);
      assertThat(tus.get(url).body()).isEqualTo(bodies.get(winner));
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- disconnect mid-body

  /** A PATCH declaring all of {@code data}, closed after {@code sent} bytes and a pause. */
  private static void abandonMidBody(String url, byte[] data, int sent, long pauseMillis)
      throws InterruptedException {
    try (RawHttp.Connection c =
        raw.patch(url, 0).header("Content-Length", data.length).keepAlive().open()) {
      c.write(data, 0, sent);
      Thread.sleep(pauseMillis);
    } // closed mid-body
  }

  @Test
  void disconnect_mid_body_keeps_received_bytes_and_the_upload_resumes_to_the_same_content()
      throws Exception {
    int total = 1 << 20;
    int sent = 300 * 1024;
    byte[] data = randomBytes(total, 7);
    String url = tus.create(total);
    abandonMidBody(url, data, sent, 200);

    // resume like a client: HEAD, then PATCH from there; the server may still be winding down
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    long offset;
    HttpResponse<byte[]> resumed;
    while (true) {
      offset = tus.offset(url);
      assertThat(offset).isBetween(0L, (long) sent);
      resumed = tus.patch(url, offset, Arrays.copyOfRange(data, (int) offset, total));
      if (resumed.statusCode() == 204 || System.nanoTime() > deadline) {
        break;
      }
      assertThat(resumed.statusCode()).as(text(resumed)).isIn(409, 423);
      Thread.sleep(100);
    }

    assertThat(resumed.statusCode()).as(text(resumed)).isEqualTo(204);
    assertThat(resumed.headers().firstValue("Upload-Offset")).hasValue(Integer.toString(total));
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void disconnect_mid_body_keeps_exactly_the_bytes_received() throws Exception {
    int total = 1 << 20;
    int sent = 300 * 1024;
    byte[] data = randomBytes(total, 8);
    String url = tus.create(total);
    abandonMidBody(url, data, sent, 500); // all of it reaches the server before the close

    // once the server has seen the close, the offset is every byte that arrived
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long offset = tus.offset(url);
    while (offset != sent && System.nanoTime() < deadline) {
      Thread.sleep(100);
      offset = tus.offset(url);
    }
    assertThat(offset).isEqualTo(sent);
  }
}
