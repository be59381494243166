package dev.forgeupload.security;

import static dev.forgeupload.testing.TestData.meta;
import static dev.forgeupload.testing.TusHttp.location;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.Samples;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 2, over real HTTP: a server with {@code FORGE_ALLOWED_TYPES} and {@code
 * FORGE_TYPE_MAX_BYTES} accepts a correct claim (stored as claimed), refuses a wrong claim and a
 * type off the list with 415, and holds a per-type limit to the byte (413 one byte over).
 */
class AllowedTypesAndLimitsIT {
  private static final byte[] PNG = Samples.png(8, 8);
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of(
        "FORGE_ALLOWED_TYPES", "image/*,application/pdf",
        "FORGE_TYPE_MAX_BYTES", "image/png=" + PNG.length + ",image/*=1048576",
        "FORGE_WORKER_CONCURRENCY", "1"));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void a_correct_claim_is_accepted_and_stored_as_claimed() {
    String url = http.upload(PNG, meta("dot.png", "image/png"));
    JsonNode stored = http.awaitStored(TusHttp.id(url), Duration.ofSeconds(60));
    assertThat(stored.get("content_type").asText()).isEqualTo("image/png");
    String pdf = http.upload(Samples.pdf(), meta("doc.pdf", "application/pdf"));
    assertThat(http.awaitStored(TusHttp.id(pdf), Duration.ofSeconds(60))
        .get("content_type").asText()).isEqualTo("application/pdf");
    // creation-with-upload takes the same path
    HttpResponse<byte[]> created = http.tryCreateWithBody(PNG, meta("b.png", "image/png"), null);
    assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
    assertThat(http.awaitStored(TusHttp.id(location(created)), Duration.ofSeconds(60))
        .get("content_type").asText()).isEqualTo("image/png");
  }

  @Test
  void a_wrong_claim_and_a_type_off_the_list_are_415() {
    String url = http.create(PNG.length, meta("dot.jpg", "image/jpeg"));
    HttpResponse<byte[]> wrong = http.patch(url, 0, PNG);
    assertThat(wrong.statusCode()).as(text(wrong)).isEqualTo(415);
    assertThat(text(wrong).strip()).isEqualTo("content is image/png, not image/jpeg as claimed");
    assertThat(http.state(TusHttp.id(url))).isEqualTo("failed");
    byte[] zip = Samples.zip();
    String z = http.create(zip.length, meta("a.zip", null));
    HttpResponse<byte[]> off = http.patch(z, 0, zip);
    assertThat(off.statusCode()).as(text(off)).isEqualTo(415);
    assertThat(text(off).strip())
        .isEqualTo("content is application/zip, which is not among the allowed types");
  }

  @Test
  void a_type_limit_admits_exactly_its_bytes_and_not_one_more() {
    byte[] over = Arrays.copyOf(PNG, PNG.length + 1);
    String url = http.create(over.length, meta("big.png", "image/png"));
    HttpResponse<byte[]> r = http.patch(url, 0, over);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(413);
    assertThat(text(r).strip()).isEqualTo("content is image/png of " + over.length
        + " bytes; the limit for it is " + PNG.length + " bytes");
    JsonNode u = http.uploadJson(TusHttp.id(url));
    assertThat(u.get("state").asText()).isEqualTo("failed");
    // a deferred length: refused when it is declared
    String d = http.createDeferred(meta("late.png", "image/png"));
    assertThat(http.patch(d, 0, over).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> declared = http.patch(d, over.length, new byte[0],
        Map.of("Upload-Length", Integer.toString(over.length)));
    assertThat(declared.statusCode()).as(text(declared)).isEqualTo(413);
    // the exact size passes (a_correct_claim... stores one); here without a claim
    String exact = http.upload(PNG, meta("exact.png", null));
    assertThat(http.awaitStored(TusHttp.id(exact), Duration.ofSeconds(60))
        .get("content_type").asText()).isEqualTo("image/png");
  }
}
