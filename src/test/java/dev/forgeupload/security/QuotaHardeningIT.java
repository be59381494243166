package dev.forgeupload.security;

import static dev.forgeupload.testing.TusHttp.location;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The owner's quota and unfinished-upload limit hold against final (concatenated) uploads and
 * against parallel PATCHes on uploads of deferred length (an attacker's findings).
 */
class QuotaHardeningIT {
  private static final String SECRET = "quota-hardening-secret-0123456789abcdef";
  private static final int MB = 1 << 20;
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWT_SECRET", SECRET,
                "FORGE_QUOTA_BYTES", Long.toString(5L * MB),
                "FORGE_MAX_ACTIVE_UPLOADS", "8",
                "FORGE_MAX_CONCAT_PARTS", "4",
                "FORGE_WORKER_CONCURRENCY", "0"));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String partial(String token, int bytes) {
    String url = http.as(token).createPartial(bytes);
    if (bytes > 0) {
      assertThat(http.as(token).patch(url, 0, new byte[bytes]).statusCode()).isEqualTo(204);
    }
    return url;
  }

  private static HttpResponse<byte[]> concat(String token, List<String> parts) {
    return http.as(token).tryCreateFinal(null, parts);
  }

  @Test
  void a_final_upload_counts_its_bytes_and_cannot_repeat_or_multiply_parts() {
    String ivy = Tokens.hs256(SECRET, "ivy");
    String p1 = partial(ivy, MB);
    String p2 = partial(ivy, MB);
    String p3 = partial(ivy, MB);

    // one part listed many times (the attack: 60 x 1 MB from a 1 MB part) is refused
    HttpResponse<byte[]> repeated = concat(ivy, Collections.nCopies(3, p1));
    assertThat(repeated.statusCode()).isEqualTo(400);
    assertThat(text(repeated)).contains("more than once");
    // more parts than FORGE_MAX_CONCAT_PARTS (4 here)
    List<String> five = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      five.add(partial(ivy, 0));
    }
    HttpResponse<byte[]> many = concat(ivy, five);
    assertThat(many.statusCode()).isEqualTo(400);
    assertThat(text(many)).contains("FORGE_MAX_CONCAT_PARTS");

    // the first final takes over its parts' 3 MB: nothing is counted twice
    assertThat(concat(ivy, List.of(p1, p2, p3)).statusCode()).isEqualTo(201);
    // a second final of the same parts would store another 3 MB: 6 MB > 5 MB
    HttpResponse<byte[]> again = concat(ivy, List.of(p1, p2, p3));
    assertThat(again.statusCode()).isEqualTo(413);
    assertThat(text(again)).contains("quota");
    // two of them fit exactly (3 + 2 = 5 MB, the quota itself) ...
    assertThat(concat(ivy, List.of(p3, p1)).statusCode()).isEqualTo(201);
    // ... and then nothing else does, not even one byte
    HttpResponse<byte[]> full = http.as(ivy).tryCreate(1, null);
    assertThat(full.statusCode()).isEqualTo(413);
    assertThat(text(full)).contains("quota of " + 5 * MB);
  }

  @Test
  void a_final_of_unfinished_parts_is_an_unfinished_upload() {
    String jo = Tokens.hs256(SECRET, "jo");
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      parts.add(http.as(jo).createPartial(10));
    }
    for (int i = 0; i < 4; i++) {
      assertThat(http.as(jo).tryCreate(10, null).statusCode()).isEqualTo(201);
    }
    // 8 unfinished now (4 parts, 4 uploads): a final of unfinished parts would be the ninth
    HttpResponse<byte[]> ninth = concat(jo, parts);
    assertThat(ninth.statusCode()).isEqualTo(429);
    assertThat(text(ninth)).contains("unfinished uploads");
    // complete parts are not unfinished: finishing two makes room for the final
    assertThat(http.as(jo).patch(parts.get(0), 0, new byte[10]).statusCode()).isEqualTo(204);
    assertThat(http.as(jo).patch(parts.get(1), 0, new byte[10]).statusCode()).isEqualTo(204);
    assertThat(concat(jo, parts).statusCode()).isEqualTo(201);
  }

  @Test
  void parallel_patches_on_deferred_uploads_cannot_share_the_same_free_quota() throws Exception {
    String kim = Tokens.hs256(SECRET, "kim");
    int body = 3 * MB / 2; // six of them would hold 9 MB of a 5 MB quota; three fit
    List<String> urls =
        IntStream.range(0, 6).mapToObj(i -> location(http.as(kim).tryCreateDeferred(null))).toList();
    List<Integer> codes = race(urls, url -> slowPatch(kim, url, body, null));
    assertThat(codes).containsOnly(204, 413);
    assertThat(codes.stream().filter(c -> c == 204).count()).isBetween(1L, 3L);
    long held =
        urls.stream()
            .mapToLong(u -> Long.parseLong(http.as(kim).head(u).headers().firstValue("Upload-Offset").orElseThrow()))
            .sum();
    assertThat(held).isLessThanOrEqualTo(5L * MB);

    // the same race declaring the length in the PATCH
    String lee = Tokens.hs256(SECRET, "lee");
    List<String> declared =
        IntStream.range(0, 6).mapToObj(i -> location(http.as(lee).tryCreateDeferred(null))).toList();
    List<Integer> codes2 = race(declared, url -> slowPatch(lee, url, body, (long) body));
    assertThat(codes2).containsOnly(204, 413);
    assertThat(codes2.stream().filter(c -> c == 204).count()).isBetween(1L, 3L);

    // a reservation ends with its PATCH: what is left can still be used, exactly to the quota
    long left = 5L * MB - held;
    String last = urls.stream()
        .filter(u -> http.as(kim).head(u).headers().firstValue("Upload-Offset").orElseThrow().equals("0"))
        .findFirst()
        .orElseThrow();
    assertThat(http.as(kim).patch(last, 0, new byte[(int) left]).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> over = http.as(kim).patch(last, left, new byte[1]);
    assertThat(over.statusCode()).isEqualTo(413);
  }

  private interface Call {
    int run(String url) throws Exception;
  }

  private static List<Integer> race(List<String> urls, Call call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(urls.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> futures = new ArrayList<>();
      for (String url : urls) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return call.run(url);
                }));
      }
      go.countDown();
      List<Integer> codes = new ArrayList<>();
      for (Future<Integer> f : futures) {
        codes.add(f.get());
      }
      return codes;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A PATCH whose body arrives over about a second, with its Content-Length, so that the six
   * bodies of a race are all in flight at the same time.
   */
  private static int slowPatch(String token, String url, int bytes, Long declareLength) {
    HttpRequest.Builder b =
        http.as(token).tus(url)
            .header("Upload-Offset", "0")
            .header("Content-Type", TusHttp.OCTET)
            .method("PATCH", slowBody(bytes));
    if (declareLength != null) {
      b.header("Upload-Length", Long.toString(declareLength));
    }
    return http.send(b.build()).statusCode();
  }

  private static HttpRequest.BodyPublisher slowBody(int bytes) {
    HttpRequest.BodyPublisher slices =
        HttpRequest.BodyPublishers.fromPublisher(
            subscriber ->
                subscriber.onSubscribe(
                    new Flow.Subscription() {
                      private int sent;
                      private boolean done;

                      @Override
                      public synchronized void request(long n) {
                        for (long i = 0; i < n && !done; i++) {
                          if (sent >= bytes) {
                            done = true;
                            subscriber.onComplete();
                            return;
                          }
                          int size = Math.min(64 * 1024, bytes - sent);
                          try {
                            Thread.sleep(40);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          sent += size;
                          subscriber.onNext(ByteBuffer.wrap(new byte[size]));
                        }
                      }

                      @Override
                      public void cancel() {
                        done = true;
                      }
                    }),
            bytes);
    return slices;
  }
}
