package dev.forgeupload.security;

import static dev.forgeupload.testing.TusHttp.location;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.StagedBytes;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TusJs;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * tus-js-client's {@code parallelUploads} (four partial uploads and a final one) in token mode
 * under {@code FORGE_MAX_ACTIVE_UPLOADS=6}, the way Uppy and browser users send large files: the
 * parts of a stored final are {@code concatenated} (their staged bytes gone), never count as
 * unfinished, and the statistics count each file's bytes once, without deleted uploads.
 */
class ParallelUploadsIT {
  private static final String SECRET = "parallel-uploads-secret-0123456789abcdef";
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);

  @Test
  void three_parallel_uploads_then_a_plain_one_store_each_file_once_and_free_their_parts()
      throws Exception {
    try (TestServer server =
        TestServer.start(
            Map.of(
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWT_SECRET", SECRET,
                "FORGE_MAX_ACTIVE_UPLOADS", "6"))) {
      String alice = Tokens.hs256(SECRET, "alice");
      TusHttp http = new TusHttp(server.baseUrl()).as(alice);
      TusHttp admin = new TusHttp(server.baseUrl()).as(Tokens.admin(SECRET));
      Path dir = Files.createTempDirectory("parallel-uploads");
      int[] sizes = {3 * 1024 * 1024 + 17, 1024 * 1024 + 3, 700_001, 250_000};
      List<byte[]> files = new ArrayList<>();
      List<String> finals = new ArrayList<>();
      for (int i = 0; i < sizes.length; i++) {
        byte[] data = TestData.randomBytes(sizes[i], 100 + i);
        files.add(data);
        Path f = dir.resolve("file-" + i + ".bin");
        Files.write(f, data);
        // three parallel uploads (4 parts, 256 KiB PATCHes each), then a plain one
        int parallel = i < 3 ? 4 : 1;
        finals.add(TusJs.upload(f, server.filesUrl(), alice, parallel, 256 * 1024));
      }

      long total = 0;
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < finals.size(); i++) {
        String id = TusHttp.id(finals.get(i));
        JsonNode stored = http.awaitStored(id, STORE_TIMEOUT);
        assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(files.get(i)));
        assertThat(stored.path("length").asLong()).isEqualTo(sizes[i]);
        assertThat(http.get(finals.get(i)).body()).isEqualTo(files.get(i));
        total += sizes[i];
        if (i < 3) {
          assertThat(stored.path("upload_type").asText()).isEqualTo("final");
          List<String> mine = partsOf(http, finals.get(i));
          assertThat(mine).hasSize(4);
          parts.addAll(mine);
        }
      }
      assertThat(parts).hasSize(12).doesNotHaveDuplicates();
      for (String part : parts) {
        String id = TusHttp.id(part);
        JsonNode j = http.awaitState(id, "concatenated", Duration.ofSeconds(10));
        assertThat(j.path("offset").asLong()).isEqualTo(j.path("length").asLong());
        assertThat(StagedBytes.present(server, id)).as("staged bytes of part %s", id).isFalse();
        // a client resuming may HEAD its parts: still 200 with the whole offset
        HttpResponse<byte[]> head = http.head(part);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Upload-Offset"))
            .isEqualTo(head.headers().firstValue("Upload-Length"));
        assertThat(head.headers().firstValue("Upload-Concat")).hasValue("partial");
      }
      // staging holds nothing of these files any more
      assertThat(stagedFiles(server)).isEmpty();

      // nothing is unfinished: six new uploads fit, the seventh is over the limit
      List<String> open = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        HttpResponse<byte[]> r = http.tryCreate(10, null);
        assertThat(r.statusCode()).as("unfinished upload %d: %s", i + 1, text(r)).isEqualTo(201);
        open.add(location(r));
      }
      HttpResponse<byte[]> seventh = http.tryCreate(10, null);
      assertThat(seventh.statusCode()).as(text(seventh)).isEqualTo(429);
      for (String u : open) {
        assertThat(http.delete(u).statusCode()).isEqualTo(204);
      }

      // statistics: each file once (as its final), deleted uploads not at all
      JsonNode stats = admin.getJson("/api/v1/stats");
      assertThat(perDay(stats, "uploads")).isEqualTo(4);
      assertThat(perDay(stats, "bytes")).isEqualTo(total);
      assertThat(byType(stats, "bytes")).isEqualTo(total);
      assertThat(byState(stats)).isEqualTo(Map.of("stored", 4L));
      assertThat(stats.path("storage").path("stored_bytes").asLong()).isEqualTo(total);
      assertThat(stats.path("storage").path("stored_objects").asLong()).isEqualTo(4);

      // the same file added again, as Uppy does: tus-js-client resumes from the earlier parts
      // (HEAD: complete) and creates the final once more, built from the stored final's object
      List<String> second = parts.subList(4, 8);
      String again =
          TusJs.upload(dir.resolve("file-1.bin"), server.filesUrl(), alice, 4, 256 * 1024,
              String.join(" ", second));
      assertThat(again).isNotEqualTo(finals.get(1));
      JsonNode againStored = http.awaitStored(TusHttp.id(again), STORE_TIMEOUT);
      assertThat(againStored.path("sha256").asText()).isEqualTo(TestData.sha256(files.get(1)));
      assertThat(partsOf(http, again)).isEqualTo(second);
      for (String part : second) {
        assertThat(admin.state(TusHttp.id(part))).isEqualTo("concatenated");
      }
      total += sizes[1]; // a second object

      // deleting a final takes its parts with it, unless another stored final holds them
      assertThat(http.delete(finals.get(0)).statusCode()).isEqualTo(204);
      assertThat(http.delete(finals.get(1)).statusCode()).isEqualTo(204);
      for (String part : parts.subList(0, 4)) {
        assertThat(http.head(part).statusCode()).isEqualTo(410);
        assertThat(admin.state(TusHttp.id(part))).isEqualTo("deleted");
      }
      for (String part : parts.subList(4, 12)) {
        assertThat(admin.state(TusHttp.id(part))).isEqualTo("concatenated");
      }
      assertThat(http.get(again).body()).isEqualTo(files.get(1));
      long left = total - sizes[0] - sizes[1];
      JsonNode after = admin.getJson("/api/v1/stats");
      assertThat(perDay(after, "uploads")).isEqualTo(3);
      assertThat(perDay(after, "bytes")).isEqualTo(left);
      assertThat(byType(after, "bytes")).isEqualTo(left);
      assertThat(byState(after)).isEqualTo(Map.of("stored", 3L));
      assertThat(after.path("storage").path("stored_bytes").asLong()).isEqualTo(left);
      assertThat(after.path("storage").path("stored_objects").asLong()).isEqualTo(3);
      assertThat(stagedFiles(server)).isEmpty();
    }
  }

  /** Staged files on the server's disk (none ever with s3 staging, none left with disk). */
  private static List<Path> stagedFiles(TestServer server) throws IOException {
    Path dir = server.dataDir().resolve("staging");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var staged = Files.list(dir)) {
      return staged.filter(p -> p.toString().endsWith(".bin")).toList();
    }
  }

  private static List<String> partsOf(TusHttp http, String finalUrl) {
    String concat = http.head(finalUrl).headers().firstValue("Upload-Concat").orElseThrow();
    assertThat(concat).startsWith("final;");
    return Arrays.stream(concat.substring("final;".length()).trim().split(" "))
        .map(http::url)
        .toList();
  }

  private static long perDay(JsonNode stats, String field) {
    long n = 0;
    for (JsonNode d : stats.path("per_day")) {
      n += d.path(field).asLong();
    }
    return n;
  }

  private static long byType(JsonNode stats, String field) {
    long n = 0;
    for (JsonNode t : stats.path("by_type")) {
      n += t.path(field).asLong();
    }
    return n;
  }

  private static Map<String, Long> byState(JsonNode stats) {
    Map<String, Long> m = new java.util.TreeMap<>();
    for (JsonNode s : stats.path("by_state")) {
      m.put(s.path("state").asText(), s.path("uploads").asLong());
    }
    return m;
  }
}
