package dev.forgeupload.pipeline;

import static dev.forgeupload.pipeline.Pipe.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.queue.RedisUploadEvents;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import io.minio.MinioClient;
import io.minio.RemoveBucketArgs;
import io.minio.MakeBucketArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;

/**
 * The storage pipeline end to end on an in-process server: finished uploads go through the queue
 * to a worker that stores them in S3 (S3Proxy), verified by reading the bucket directly.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PipelineIT {
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);
  private static TestServer server;
  private static String base;
  private static MinioClient s3;

  @BeforeAll
  static void start() {
    // Checkpoint every 8 MiB and publish every progress step: the live-progress test sees them.
    server =
        TestServer.start(
            Map.of("FORGE_CHECKPOINT_SECONDS", "0", "FORGE_PROGRESS_INTERVAL_MILLIS", "0"));
    base = server.baseUrl();
    s3 = Pipe.minio(TestS3.get());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static Path staged(TestServer s, String id) {
    return s.dataDir().resolve("staging").resolve(id + ".bin");
  }

  private static final Pattern KEY =
      Pattern.compile("uploads/(\\d{4})/(\\d{2})/(\\d{2})/([0-9a-f-]{36})/([^/]+)");

  @Test
  void a_finished_upload_ends_stored_with_its_sha256_under_its_key_in_s3_and_leaves_no_staging()
      throws Exception {
    byte[] data = Pipe.randomBytes(3 * MIB + 123, 1);
    String id = Pipe.upload(base, data, "report.bin"); // random bytes: no claim magic could refute
    JsonNode u = Pipe.awaitStored(base, id, STORE_TIMEOUT);

    assertThat(u.path("sha256").asText()).isEqualTo(Pipe.sha256(data));
    assertThat(u.path("stored_at").isNull()).as("stored_at set: %s", u).isFalse();
    String key = u.path("storage_key").asText();
    var m = KEY.matcher(key);
    assertThat(m.matches()).as("key %s has the documented layout", key).isTrue();
    LocalDate created =
        java.time.OffsetDateTime.parse(u.path("created_at").asText())
            .atZoneSameInstant(ZoneOffset.UTC)
            .toLocalDate();
    assertThat(m.group(1) + "/" + m.group(2) + "/" + m.group(3))
        .isEqualTo(String.format("%04d/%02d/%02d", created.getYear(), created.getMonthValue(),
            created.getDayOfMonth()));
    assertThat(m.group(4)).isEqualTo(id);
    assertThat(m.group(5)).isEqualTo("report.bin");

    assertThat(Pipe.object(s3, server.bucket(), key)).isEqualTo(data);
    assertThat(Pipe.keysOf(s3, server.bucket(), id)).containsExactly(key);
    Pipe.poll("staging file removed", Duration.ofSeconds(10), () -> Files.exists(staged(server, id)),
        exists -> !exists);
  }

  @Test
  void download_after_stored_streams_from_s3_with_ranges() {
    byte[] data = Pipe.randomBytes(2 * MIB + 17, 2);
    String id = Pipe.upload(base, data, "clip.bin");
    Pipe.awaitStored(base, id, STORE_TIMEOUT);
    Pipe.poll("staging file removed", Duration.ofSeconds(10), () -> Files.exists(staged(server, id)),
        exists -> !exists);
    // Staging is gone: whatever the API returns now can only have come from S3.

    HttpResponse<byte[]> all = Pipe.content(base, id, null);
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.headers().firstValueAsLong("Content-Length")).hasValue(data.length);
    assertThat(all.body()).isEqualTo(data);

    HttpResponse<byte[]> mid = Pipe.content(base, id, "bytes=1000000-1999999");
    assertThat(mid.statusCode()).isEqualTo(206);
    assertThat(mid.headers().firstValue("Content-Range"))
        .hasValue("bytes 1000000-1999999/" + data.length);
    assertThat(mid.body()).isEqualTo(Arrays.copyOfRange(data, 1_000_000, 2_000_000));

    HttpResponse<byte[]> tail = Pipe.content(base, id, "bytes=-100");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(data, data.length - 100, data.length));

    HttpResponse<byte[]> beyond = Pipe.content(base, id, "bytes=" + data.length + "-");
    assertThat(beyond.statusCode()).isEqualTo(416);
  }

  @Test
  void delete_removes_the_s3_object_and_the_upload_can_neither_be_downloaded_nor_resumed()
      throws Exception {
    byte[] data = Pipe.randomBytes(300_000, 3);
    String id = Pipe.upload(base, data, "gone.txt");
    String key = Pipe.awaitStored(base, id, STORE_TIMEOUT).path("storage_key").asText();
    assertThat(Pipe.keysOf(s3, server.bucket(), id)).containsExactly(key);

    HttpResponse<byte[]> del = Pipe.api(base, "DELETE", "/uploads/" + id);
    assertThat(del.statusCode()).as(Pipe.text(del)).isEqualTo(204);

    assertThat(Pipe.keysOf(s3, server.bucket(), id)).isEmpty();
    try {
      s3.statObject(StatObjectArgs.builder().bucket(server.bucket()).object(key).build());
      throw new AssertionError("object " + key + " still exists after DELETE");
    } catch (ErrorResponseException e) {
      assertThat(e.errorResponse().code()).isEqualTo("NoSuchKey");
    }
    assertThat(Pipe.content(base, id, null).statusCode()).isEqualTo(410);
    String url = base + "/files/" + id;
    assertThat(Pipe.head(url).statusCode()).isEqualTo(410);
    assertThat(Pipe.patch(url, data.length, new byte[10], 0, 10).statusCode()).isIn(404, 410);
    assertThat(Pipe.upload(base, id).path("state").asText()).isEqualTo("deleted");
    // Idempotent.
    assertThat(Pipe.api(base, "DELETE", "/uploads/" + id).statusCode()).isIn(204, 404, 410);
  }

  @Test
  void a_failed_upload_shows_its_error_and_retry_stores_it_once_the_cause_is_fixed()
      throws Exception {
    String bucket = TestS3.freshBucket();
    try (TestServer failing =
        TestServer.start(
            Map.of(
                "FORGE_S3_BUCKET", bucket,
                "FORGE_WORKER_MAX_ATTEMPTS", "1",
                "FORGE_WORKER_BACKOFF_SECONDS", "0"))) {
      String b = failing.baseUrl();
      // The server created its bucket at start; take it away: every store now fails.
      s3.removeBucket(RemoveBucketArgs.builder().bucket(bucket).build());

      byte[] data = Pipe.randomBytes(100_000, 4);
      String id = Pipe.upload(b, data, "retry.bin");
      JsonNode failed =
          Pipe.awaitState(b, id, "failed", STORE_TIMEOUT, Set.of("stored", "deleted"));
      assertThat(failed.path("error").asText()).as("error text: %s", failed).isNotBlank();
      assertThat(failed.path("error").asText()).containsIgnoringCase("bucket");

      // Fix the cause, then retry.
      s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
      HttpResponse<byte[]> retry = Pipe.api(b, "POST", "/uploads/" + id + "/retry");
      assertThat(retry.statusCode()).as("retry: %s", Pipe.text(retry)).isEqualTo(202);
      assertThat(Pipe.json(retry).path("state").asText()).isEqualTo("queued");
      JsonNode stored = Pipe.awaitStored(b, id, STORE_TIMEOUT);
      assertThat(stored.path("sha256").asText()).isEqualTo(Pipe.sha256(data));
      assertThat(stored.path("error").isNull()).as("error cleared: %s", stored).isTrue();
      assertThat(Pipe.object(s3, bucket, stored.path("storage_key").asText())).isEqualTo(data);

      HttpResponse<byte[]> again = Pipe.api(b, "POST", "/uploads/" + id + "/retry");
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(again.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/json");
      assertThat(Pipe.json(again).path("code").asText()).isNotBlank();
      assertThat(Pipe.json(again).path("message").asText()).contains("stored");
    }
  }

  @Test
  void retry_of_an_upload_that_is_not_failed_is_409_json() {
    String url = Pipe.create(base, 10, "unfinished.txt");
    HttpResponse<byte[]> r = Pipe.api(base, "POST", "/uploads/" + Pipe.idOf(url) + "/retry");
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(Pipe.json(r).path("code").asText()).isEqualTo("not_failed");
  }

  @Test
  void a_final_upload_of_two_partials_is_stored_as_their_concatenation() {
    byte[] a = Pipe.randomBytes(1_500_000, 5);
    byte[] b = Pipe.randomBytes(700_001, 6);
    String pa = partial(a);
    String pb = partial(b);
    HttpResponse<byte[]> r =
        Pipe.send(
            Pipe.tus(base + "/files/")
                .header("Upload-Concat",
                    "final;" + URI.create(pa).getPath() + " " + URI.create(pb).getPath())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(r.statusCode()).as(Pipe.text(r)).isEqualTo(201);
    String finalId = Pipe.idOf(r.headers().firstValue("Location").orElseThrow());

    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(a);
    all.writeBytes(b);
    byte[] expected = all.toByteArray();
    JsonNode stored = Pipe.awaitStored(base, finalId, STORE_TIMEOUT);
    assertThat(stored.path("sha256").asText()).isEqualTo(Pipe.sha256(expected));
    assertThat(Pipe.object(s3, server.bucket(), stored.path("storage_key").asText()))
        .isEqualTo(expected);
    assertThat(Pipe.content(base, finalId, null).body()).isEqualTo(expected);
  }

  private static String partial(byte[] data) {
    HttpResponse<byte[]> c =
        Pipe.send(
            Pipe.tus(base + "/files/")
                .header("Upload-Length", Integer.toString(data.length))
                .header("Upload-Concat", "partial")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(c.statusCode()).as(Pipe.text(c)).isEqualTo(201);
    String url = URI.create(base + "/files/").resolve(c.headers().firstValue("Location").orElseThrow())
        .toString();
    assertThat(Pipe.patch(url, 0, data, 0, data.length).statusCode()).isEqualTo(204);
    return url;
  }

  @Test
  void hostile_filenames_produce_keys_with_one_safe_segment_under_the_upload_prefix() {
    List<String> names =
        List.of(
            "../../etc/passwd",
            "/abs/path.txt",
            "a\u0000b\r\n.txt",
            "x".repeat(1000),
            "<img src=x onerror=alert(1)>.txt", // text: a .png name would be refused for its bytes
            "..",
            "..\\..\\windows\\system32");
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      byte[] data = name.getBytes(StandardCharsets.UTF_8);
      String url = Pipe.create(base, data.length, name);
      String id = Pipe.idOf(url);
      assertThat(Pipe.patch(url, 0, data, 0, data.length).statusCode()).isEqualTo(204);
      JsonNode u = Pipe.awaitStored(base, id, STORE_TIMEOUT);
      String key = u.path("storage_key").asText();
      var m = KEY.matcher(key);
      if (!m.matches() || !m.group(4).equals(id)) {
        problems.add(printable(name) + " -> " + printable(key));
        continue;
      }
      String seg = m.group(5);
      boolean bad =
          seg.equals(".") || seg.equals("..") || seg.isBlank()
              || seg.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\' || c == '<'
                  || c == '>')
              || seg.getBytes(StandardCharsets.UTF_8).length > 255;
      if (bad) {
        problems.add(printable(name) + " -> unsafe segment " + printable(seg));
      }
      assertThat(Pipe.keysOf(s3, server.bucket(), id)).as("object for %s", printable(name))
          .containsExactly(key);
      assertThat(Pipe.object(s3, server.bucket(), key)).isEqualTo(data);
    }
    assertThat(problems).isEmpty();
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.chars().forEach(c -> b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : (char) c));
    return b.length() > 80 ? b.substring(0, 80) + "...(" + s.length() + " chars)" : b.toString();
  }

  @Test
  void an_unfinished_upload_past_its_expiry_becomes_expired_and_its_staging_is_freed() {
    try (TestServer expiring = TestServer.start(Map.of("FORGE_UPLOAD_EXPIRY_SECONDS", "1"))) {
      String b = expiring.baseUrl();
      String url = Pipe.create(b, 1000, "half.bin");
      String id = Pipe.idOf(url);
      assertThat(Pipe.patch(url, 0, new byte[400], 0, 400).statusCode()).isEqualTo(204);
      assertThat(Files.exists(staged(expiring, id))).as("staged while uploading").isTrue();

      Pipe.awaitState(b, id, "expired", Duration.ofSeconds(15), Set.of("queued", "stored"));
      Pipe.poll("staging freed", Duration.ofSeconds(10), () -> Files.exists(staged(expiring, id)),
          exists -> !exists);
      assertThat(Pipe.head(url).statusCode()).isEqualTo(410);
      assertThat(Pipe.patch(url, 400, new byte[600], 0, 600).statusCode()).isIn(404, 410);
    }
  }

  @Test
  void state_and_progress_events_are_published_on_redis() throws Exception {
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    CountDownLatch subscribed = new CountDownLatch(1);
    JedisPubSub sub =
        new JedisPubSub() {
          @Override
          public void onSubscribe(String channel, int subscribedChannels) {
            subscribed.countDown();
          }

          @Override
          public void onMessage(String channel, String message) {
            try {
              events.add(Pipe.JSON.readTree(message));
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        };
    try (RedisClient redis = RedisClient.create(URI.create(server.redis().url()))) {
      Thread t = new Thread(() -> redis.subscribe(sub, RedisUploadEvents.CHANNEL), "subscriber");
      t.setDaemon(true);
      t.start();
      assertThat(subscribed.await(10, TimeUnit.SECONDS)).as("subscribed").isTrue();

      int size = 40 * MIB;
      byte[] data = Pipe.randomBytes(size, 7);
      String id = Pipe.upload(base, data, "live.bin");
      Pipe.awaitStored(base, id, STORE_TIMEOUT);
      List<JsonNode> mine =
          Pipe.poll(
              "state event stored for " + id,
              Duration.ofSeconds(10),
              () -> events.stream().filter(e -> e.path("id").asText().equals(id)).toList(),
              l -> l.stream().anyMatch(
                  e -> e.path("type").asText().equals("state")
                      && e.path("state").asText().equals("stored")));
      sub.unsubscribe();
      t.join(5000);

      List<String> states =
          mine.stream()
              .filter(e -> e.path("type").asText().equals("state"))
              .map(e -> e.path("state").asText())
              .toList();
      assertThat(states).containsSubsequence("queued", "storing", "stored");
      assertThat(states).doesNotContain("failed");
      List<Long> midway =
          mine.stream()
              .filter(e -> e.path("type").asText().equals("progress"))
              .map(e -> e.path("offset").asLong())
              .filter(o -> o > 0 && o < size)
              .toList();
      assertThat(midway).as("progress events during the PATCH: %s", mine).isNotEmpty();
      assertThat(midway).isSorted();
      assertThat(mine.get(0).path("length").asLong()).isEqualTo(size);
    }
  }
}
