package dev.forgeupload.objects;

import static dev.forgeupload.objects.ObjectsFixture.sql;
import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Compression at rest over real HTTP and S3Proxy (FORGE_COMPRESSION's default, zstd): a 50 MiB
 * log takes under 30% of its bytes in S3 and reads back byte-exact, whole and in random ranges
 * (seeded; a failure names its seed and range); a JPEG is stored as it is.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CompressionIT {
  private static final int MIB = 1 << 20;
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_WORKER_CONCURRENCY", "1"));
    http = new TusHttp(server.baseUrl()).withTimeout(Duration.ofSeconds(120));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Map<String, Object> objectRow(String key) {
    List<Map<String, Object>> rows = sql(server.databaseUrl(),
        "SELECT compression, physical_bytes, length, frame_bytes FROM objects WHERE key = ?", key);
    assertThat(rows).as("catalog row of %s", key).hasSize(1);
    return rows.get(0);
  }

  @Test
  void a_50_mib_log_is_stored_in_under_30_percent_and_reads_back_byte_exact() {
    byte[] log = FrameFormatTest.logText(50 * MIB, 50);
    JsonNode before = http.getJson("/api/v1/stats").path("storage");
    String id = TusHttp.id(http.upload(log, meta("service.log", "text/plain")));
    JsonNode u = http.awaitStored(id, Duration.ofSeconds(120));
    assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(log));
    assertThat(u.path("length").asLong()).isEqualTo(log.length);
    String key = u.path("storage_key").asText();

    long inS3 = ObjectsFixture.size(server.bucket(), key);
    assertThat(inS3).as("bytes in S3 for a 50 MiB log").isLessThan((long) (log.length * 0.30));
    Map<String, Object> row = objectRow(key);
    assertThat(row.get("compression")).isEqualTo("zstd");
    assertThat(row.get("physical_bytes")).isEqualTo(inS3);
    assertThat(row.get("length")).isEqualTo((long) log.length);

    JsonNode after = http.getJson("/api/v1/stats").path("storage");
    assertThat(after.path("physical_bytes").asLong() - before.path("physical_bytes").asLong())
        .isEqualTo(inS3);
    assertThat(after.path("compression_saved_bytes").asLong()
            - before.path("compression_saved_bytes").asLong())
        .isEqualTo(log.length - inS3);

    String content = "/api/v1/uploads/" + id + "/content";
    TusHttp.Download whole = http.download(content);
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.length()).isEqualTo(log.length);
    assertThat(whole.sha256()).isEqualTo(TestData.sha256(log));

    long seed = 50_2026L;
    Random r = new Random(seed);
    int frame = ((Number) row.get("frame_bytes")).intValue();
    for (int i = 0; i < 40; i++) {
      long from;
      long count;
      switch (i % 4) {
        case 0 -> { // around a frame boundary
          from = (long) (1 + r.nextInt(49)) * frame - r.nextInt(100);
          count = 1 + r.nextInt(300);
        }
        case 1 -> { // spans several frames
          from = r.nextInt(log.length - 4 * MIB);
          count = MIB + r.nextInt(3 * MIB);
        }
        case 2 -> { // a few bytes anywhere
          from = r.nextInt(log.length);
          count = 1 + r.nextInt((int) Math.min(64, log.length - from));
        }
        default -> { // the tail
          count = 1 + r.nextInt(2 * MIB);
          from = log.length - count;
        }
      }
      HttpResponse<byte[]> part =
          http.getWith(content, "Range", "bytes=" + from + "-" + (from + count - 1));
      String what = "seed " + seed + ", range " + from + "+" + count;
      assertThat(part.statusCode()).as(what).isEqualTo(206);
      assertThat(part.body()).as(what)
          .isEqualTo(Arrays.copyOfRange(log, (int) from, (int) (from + count)));
    }
    HttpResponse<byte[]> suffix = http.getWith(content, "Range", "bytes=-1000");
    assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(log, log.length - 1000, log.length));
  }

  @Test
  void the_parts_of_a_compressed_final_read_their_stretch_of_it() {
    byte[] p1 = FrameFormatTest.logText(3 * MIB + 123, 61);
    byte[] p2 = FrameFormatTest.logText(2 * MIB + 7, 62);
    String u1 = http.createPartial(p1.length);
    String u2 = http.createPartial(p2.length);
    assertThat(http.patch(u1, 0, p1).statusCode()).isEqualTo(204);
    assertThat(http.patch(u2, 0, p2).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> f = http.tryCreateFinal(meta("joined.log", "text/plain"), u1, u2);
    assertThat(f.statusCode()).isEqualTo(201);
    String fin = TusHttp.id(TusHttp.location(f));
    JsonNode stored = http.awaitStored(fin, Duration.ofSeconds(60));
    assertThat(objectRow(stored.path("storage_key").asText()).get("compression")).isEqualTo("zstd");
    String part2 = TusHttp.id(u2);
    http.awaitState(part2, "concatenated", Duration.ofSeconds(30));
    assertThat(http.get("/api/v1/uploads/" + part2 + "/content").body()).isEqualTo(p2);
    assertThat(http.getWith("/api/v1/uploads/" + part2 + "/content", "Range", "bytes=1048570-1048600")
        .body()).isEqualTo(Arrays.copyOfRange(p2, 1048570, 1048601));
    byte[] whole = new byte[p1.length + p2.length];
    System.arraycopy(p1, 0, whole, 0, p1.length);
    System.arraycopy(p2, 0, whole, p1.length, p2.length);
    assertThat(http.get("/api/v1/uploads/" + fin + "/content").body()).isEqualTo(whole);
  }

  @Test
  void a_jpeg_is_stored_as_it_is() throws Exception {
    BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(7);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, "jpg", out)).isTrue();
    byte[] jpeg = out.toByteArray();
    String id = TusHttp.id(http.upload(jpeg, meta("photo.jpg", "image/jpeg")));
    JsonNode u = http.awaitStored(id, Duration.ofSeconds(60));
    String key = u.path("storage_key").asText();
    assertThat(ObjectsFixture.raw(server.bucket(), key)).isEqualTo(jpeg);
    assertThat(objectRow(key).get("compression")).isEqualTo("none");
    assertThat(http.get("/api/v1/uploads/" + id + "/content").body()).isEqualTo(jpeg);
  }

  @Test
  void text_that_does_not_compress_is_stored_as_it_is() {
    byte[] noise = TestData.randomBytes(2 * MIB, 77);
    String id = TusHttp.id(http.upload(noise, meta("noise.txt", "text/plain")));
    JsonNode u = http.awaitStored(id, Duration.ofSeconds(60));
    String key = u.path("storage_key").asText();
    assertThat(objectRow(key).get("compression")).isEqualTo("none");
    assertThat(ObjectsFixture.raw(server.bucket(), key)).isEqualTo(noise);
  }
}
