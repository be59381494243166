package dev.forgeupload.security;

import static dev.forgeupload.testing.TestData.meta;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.StagedBytes;
import dev.forgeupload.testing.Samples;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 1, over real HTTP: a deferred-length upload under 64 KiB is not judged while
 * its length is open; the empty PATCH that declares Upload-Length ends it, and the content check
 * must run there and refuse an executable.
 */
class DeferredLengthContentIT {
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_WORKER_CONCURRENCY", "1"));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Map<String, String> declaring(int length) {
    return Map.of("Upload-Length", Integer.toString(length));
  }

  @Test
  void an_executable_is_refused_by_the_empty_patch_that_declares_its_length() {
    byte[] exe = Samples.windowsExe(3000);
    String url = http.createDeferred(meta("tool.bin", null));
    String id = TusHttp.id(url);
    HttpResponse<byte[]> sent = http.patch(url, 0, exe);
    assertThat(sent.statusCode()).as(text(sent)).isEqualTo(204);
    assertThat(http.offset(url)).isEqualTo(3000);

    HttpResponse<byte[]> declared = http.patch(url, 3000, new byte[0], declaring(3000));
    assertThat(declared.statusCode()).as(text(declared)).isEqualTo(415);
    String reason = "content is application/x-msdownload, which is not accepted here";
    assertThat(text(declared).strip()).isEqualTo(reason);
    JsonNode u = http.uploadJson(id);
    assertThat(u.get("state").asText()).isEqualTo("failed");
    assertThat(u.get("error").asText()).isEqualTo(reason);
    assertThat(StagedBytes.present(server, id)).as("staged bytes of %s", id).isFalse();
    // no more bytes, no download, no retry
    assertThat(http.patch(url, 0, new byte[1]).statusCode()).isEqualTo(403);
    assertThat(http.get("/api/v1/uploads/" + id + "/content").statusCode()).isEqualTo(409);
    assertThat(http.post("/api/v1/uploads/" + id + "/retry").statusCode()).isEqualTo(409);
  }

  @Test
  void an_image_completed_the_same_way_is_stored_as_what_it_is() {
    byte[] png = Samples.png(8, 8);
    String url = http.createDeferred(meta("dot.png", "image/png"));
    String id = TusHttp.id(url);
    assertThat(http.patch(url, 0, png).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> declared =
        http.patch(url, png.length, new byte[0], declaring(png.length));
    assertThat(declared.statusCode()).as(text(declared)).isEqualTo(204);
    JsonNode stored = http.awaitStored(id, Duration.ofSeconds(60));
    assertThat(stored.get("content_type").asText()).isEqualTo("image/png");
    assertThat(stored.get("length").asLong()).isEqualTo(png.length);
  }
}
