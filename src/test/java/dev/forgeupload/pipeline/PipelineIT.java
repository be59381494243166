package dev.forgeupload.pipeline;

import static dev.forgeupload.pipeline.Backends.MIB;
import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.StagedBytes;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.Poll;
import io.minio.MinioClient;
import io.minio.RemoveBucketArgs;
import io.minio.MakeBucketArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestServer server;
  private static String base;
  private static TusHttp tus;
  private static MinioClient s3;

  @BeforeAll
  static void start() {
    // Checkpoint every 8 MiB and publish every progress step: the live-progress test sees them.
    server =
        TestServer.start(
            Map.of("FORGE_CHECKPOINT_SECONDS", "0", "FORGE_PROGRESS_INTERVAL_MILLIS", "0"));
    base = server.baseUrl();
    tus = new TusHttp(base);
    s3 = Backends.minio(TestS3.get());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static final Pattern KEY =
      Pattern.compile("uploads/(\\d{4})/(\\d{2})/(\\d{2})/([0-9a-f-]{36})/([^/]+)");

  @Test
  void a_finished_upload_ends_stored_with_its_sha256_under_its_key_in_s3_and_leaves_no_staging()
      throws Exception {
    byte[] data = TestData.randomBytes(3 * MIB + 123, 1);
    // random bytes: no claim magic could refute
    String id = TusHttp.id(tus.upload(data, meta("report.bin", null)));
    JsonNode u = tus.awaitStored(id, STORE_TIMEOUT);

    assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
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

    assertThat(Backends.object(s3, server.bucket(), key)).isEqualTo(data);
    assertThat(Backends.keysOf(s3, server.bucket(), id)).containsExactly(key);
    Poll.until("staged bytes removed", Duration.ofSeconds(10),
        () -> StagedBytes.present(server, id, key), present -> !present);
  }

  @Test
  void download_after_stored_streams_from_s3_with_ranges() {
    byte[] data = TestData.randomBytes(2 * MIB + 17, 2);
    String id = TusHttp.id(tus.upload(data, meta("clip.bin", null)));
    String key = tus.awaitStored(id, STORE_TIMEOUT).path("storage_key").asText();
    Poll.until("staged bytes removed", Duration.ofSeconds(10),
        () -> StagedBytes.present(server, id, key), present -> !present);
    // Staging is gone: whatever the API returns now can only have come from S3.

    String content = "/api/v1/uploads/" + id + "/content";
    HttpResponse<byte[]> all = tus.get(content);
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.headers().firstValueAsLong("Content-Length")).hasValue(data.length);
    assertThat(all.body()).isEqualTo(data);

    HttpResponse<byte[]> mid = tus.getWith(content, "Range", "bytes=1000000-1999999");
    assertThat(mid.statusCode()).isEqualTo(206);
    assertThat(mid.headers().firstValue("Content-Range"))
        .hasValue("bytes 1000000-1999999/" + data.length);
    assertThat(mid.body()).isEqualTo(Arrays.copyOfRange(data, 1_000_000, 2_000_000));

    HttpResponse<byte[]> tail = tus.getWith(content, "Range", "bytes=-100");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(data, data.length - 100, data.length));

    HttpResponse<byte[]> beyond = tus.getWith(content, "Range", "bytes=" + data.length + "-");
    assertThat(beyond.statusCode()).isEqualTo(416);
  }

  @Test
  void delete_removes_the_s3_object_and_the_upload_can_neither_be_downloaded_nor_resumed()
      throws Exception {
    byte[] data = TestData.randomBytes(300_000, 3);
    String id = TusHttp.id(tus.upload(data, meta("gone.txt", null)));
    String key = tus.awaitStored(id, STORE_TIMEOUT).path("storage_key").asText();
    assertThat(Backends.keysOf(s3, server.bucket(), id)).containsExactly(key);

    HttpResponse<byte[]> del = tus.delete("/api/v1/uploads/" + id);
    assertThat(del.statusCode()).as(TusHttp.text(del)).isEqualTo(204);

    assertThat(Backends.keysOf(s3, server.bucket(), id)).isEmpty();
    try {
      s3.statObject(StatObjectArgs.builder().bucket(server.bucket()).object(key).build());
      throw new AssertionError("object " + key + " still exists after DELETE");
    } catch (ErrorResponseException e) {
      assertThat(e.errorResponse().code()).isEqualTo("NoSuchKey");
    }
    assertThat(tus.get("/api/v1/uploads/" + id + "/content").statusCode()).isEqualTo(410);
    String url = base + "/files/" + id;
    assertThat(tus.head(url).statusCode()).isEqualTo(410);
    assertThat(tus.patch(url, data.length, new byte[10], 0, 10).statusCode()).isIn(404, 410);
    assertThat(tus.uploadJson(id).path("state").asText()).isEqualTo("deleted");
    // Idempotent.
    assertThat(tus.delete("/api/v1/uploads/" + id).statusCode()).isIn(204, 404, 410);
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
      TusHttp b = new TusHttp(failing.baseUrl());
      // The server created its bucket at start; take it away: every store now fails.
      s3.removeBucket(RemoveBucketArgs.builder().bucket(bucket).build());

      byte[] data = TestData.randomBytes(100_000, 4);
      String id = TusHttp.id(b.upload(data, meta("retry.bin", null)));
      JsonNode failed =
          b.awaitState(id, "failed", STORE_TIMEOUT, Set.of("stored", "deleted"));
      assertThat(failed.path("error").asText()).as("error text: %s", failed).isNotBlank();
      assertThat(failed.path("error").asText()).containsIgnoringCase("bucket");

      // Fix the cause, then retry.
      s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
      HttpResponse<byte[]> retry = b.post("/api/v1/uploads/" + id + "/retry");
      assertThat(retry.statusCode()).as("retry: %s", TusHttp.text(retry)).isEqualTo(202);
      assertThat(TusHttp.json(retry).path("state").asText()).isEqualTo("queued");
      JsonNode stored = b.awaitStored(id, STORE_TIMEOUT);
      assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));
      assertThat(stored.path("error").isNull()).as("error cleared: %s", stored).isTrue();
      assertThat(Backends.object(s3, bucket, stored.path("storage_key").asText())).isEqualTo(data);

      HttpResponse<byte[]> again = b.post("/api/v1/uploads/" + id + "/retry");
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(again.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/json");
      assertThat(TusHttp.json(again).path("code").asText()).isNotBlank();
      assertThat(TusHttp.json(again).path("message").asText()).contains("stored");
    }
  }

  @Test
  void retry_of_an_upload_that_is_not_failed_is_409_json() {
    String url = tus.create(10, meta("unfinished.txt", null));
    HttpResponse<byte[]> r = tus.post("/api/v1/uploads/" + TusHttp.id(url) + "/retry");
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(TusHttp.json(r).path("code").asText()).isEqualTo("not_failed");
  }

  @Test
  void a_final_upload_of_two_partials_is_stored_as_their_concatenation() {
    byte[] a = TestData.randomBytes(1_500_000, 5);
    byte[] b = TestData.randomBytes(700_001, 6);
    String pa = partial(a);
    String pb = partial(b);
    String finalId = TusHttp.id(tus.createFinal(TusHttp.path(pa), TusHttp.path(pb)));

    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(a);
    all.writeBytes(b);
    byte[] expected = all.toByteArray();
    JsonNode stored = tus.awaitStored(finalId, STORE_TIMEOUT);
    assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(expected));
    assertThat(Backends.object(s3, server.bucket(), stored.path("storage_key").asText()))
        .isEqualTo(expected);
    assertThat(tus.get("/api/v1/uploads/" + finalId + "/content").body()).isEqualTo(expected);
  }

  private static String partial(byte[] data) {
    String url = tus.createPartial(data.length);
    assertThat(tus.patch(url, 0, data, 0, data.length).statusCode()).isEqualTo(204);
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
      String url = tus.create(data.length, meta(name, null));
      String id = TusHttp.id(url);
      assertThat(tus.patch(url, 0, data, 0, data.length).statusCode()).isEqualTo(204);
      JsonNode u = tus.awaitStored(id, STORE_TIMEOUT);
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
      assertThat(Backends.keysOf(s3, server.bucket(), id)).as("object for %s", printable(name))
          .containsExactly(key);
      assertThat(Backends.object(s3, server.bucket(), key)).isEqualTo(data);
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
      TusHttp b = new TusHttp(expiring.baseUrl());
      String url = b.create(1000, meta("half.bin", null));
      String id = TusHttp.id(url);
      assertThat(tus.patch(url, 0, new byte[400], 0, 400).statusCode()).isEqualTo(204);
      assertThat(StagedBytes.present(expiring, id)).as("staged while uploading").isTrue();

      b.awaitState(id, "expired", Duration.ofSeconds(15), Set.of("queued", "stored"));
      Poll.until("staging freed", Duration.ofSeconds(10),
          () -> StagedBytes.present(expiring, id), present -> !present);
      assertThat(tus.head(url).statusCode()).isEqualTo(410);
      assertThat(tus.patch(url, 400, new byte[600], 0, 600).statusCode()).isIn(404, 410);
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
              events.add(JSON.readTree(message));
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        };
    try (RedisClient redis = RedisClient.create(URI.create(server.redis().url()))) {
      String channel = server.redisNames().events();
      Thread t = new Thread(() -> redis.subscribe(sub, channel), "subscriber");
      t.setDaemon(true);
      t.start();
      assertThat(subscribed.await(10, TimeUnit.SECONDS)).as("subscribed").isTrue();

      int size = 40 * MIB;
      byte[] data = TestData.randomBytes(size, 7);
      String id = TusHttp.id(tus.upload(data, meta("live.bin", null)));
      tus.awaitStored(id, STORE_TIMEOUT);
      List<JsonNode> mine =
          Poll.until(
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
