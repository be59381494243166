package dev.forgeupload.tus;

import static dev.forgeupload.testing.TusHttp.OCTET;
import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TusHttp.text;
import static dev.forgeupload.testing.TestData.checksum;
import static dev.forgeupload.testing.TestData.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Malformed or oversized requests: 400, 413 and friends, never a 5xx, never a byte too many. */
class TusBadInputIT {
  private static final long MAX = 1_000_000;
  private static TestServer server;
  private static TusHttp tus;
  private static RawHttp raw;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_MAX_UPLOAD_BYTES", Long.toString(MAX)));
    tus = new TusHttp(server.baseUrl());
    raw = new RawHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<byte[]> post(Map<String, String> headers) {
    HttpRequest.Builder b = tus.tus(tus.filesUrl()).POST(HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return tus.send(b.build());
  }

  // ---- Upload-Length / Upload-Defer-Length on POST

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "12abc", "1.5", "0x10", "99999999999999999999", "9223372036854775808", ""})
  void post_with_malformed_upload_length_returns_400(String value) {
    HttpResponse<byte[]> r = post(Map.of("Upload-Length", value));

    assertThat(r.statusCode()).as("Upload-Length '%s': %s", value, text(r)).isEqualTo(400);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void post_with_both_upload_length_and_defer_length_returns_400() {
    HttpResponse<byte[]> r = post(Map.of("Upload-Length", "10", "Upload-Defer-Length", "1"));

    assertThat(r.statusCode()).isEqualTo(400);
  }

  @Test
  void post_with_upload_defer_length_2_returns_400() {
    assertThat(post(Map.of("Upload-Defer-Length", "2")).statusCode()).isEqualTo(400);
  }

  @Test
  void post_with_neither_upload_length_nor_defer_length_returns_400() {
    assertThat(post(Map.of()).statusCode()).isEqualTo(400);
  }

  @Test
  void post_with_upload_length_over_the_maximum_returns_413() {
    HttpResponse<byte[]> over = post(Map.of("Upload-Length", Long.toString(MAX + 1)));
    HttpResponse<byte[]> at = post(Map.of("Upload-Length", Long.toString(MAX)));

    assertThat(over.statusCode()).isEqualTo(413);
    assertThat(over.headers().firstValue("Location")).isEmpty();
    assertThat(at.statusCode()).isEqualTo(201);
  }

  @Test
  void patch_declaring_a_deferred_length_over_the_maximum_returns_413() {
    HttpResponse<byte[]> c = post(Map.of("Upload-Defer-Length", "1"));
    String url = c.headers().firstValue("Location").orElseThrow();

    HttpResponse<byte[]> r =
        tus.patch(url, 0, randomBytes(10, 1), Map.of("Upload-Length", Long.toString(MAX + 1)));

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(tus.offset(url)).isZero();
  }

  @Test
  void deferred_length_declared_below_the_offset_returns_400() {
    HttpResponse<byte[]> c = post(Map.of("Upload-Defer-Length", "1"));
    String url = c.headers().firstValue("Location").orElseThrow();
    assertThat(tus.patch(url, 0, randomBytes(50, 14)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> r = tus.patch(url, 50, randomBytes(5, 15), Map.of("Upload-Length", "40"));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
    assertThat(tus.offset(url)).isEqualTo(50);
  }

  @Test
  void patch_with_a_body_past_the_length_it_declares_returns_413() {
    HttpResponse<byte[]> c = post(Map.of("Upload-Defer-Length", "1"));
    String url = c.headers().firstValue("Location").orElseThrow();

    HttpResponse<byte[]> r = tus.patch(url, 0, randomBytes(150, 16), Map.of("Upload-Length", "100"));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(413);
    assertThat(tus.offset(url)).isZero();
  }

  // ---- metadata

  @ParameterizedTest
  @ValueSource(strings = {"filename not*base64!", "filename a b", "filename ===", ",", "k1 YQ==,k1 Yg=="})
  void post_with_bad_metadata_returns_400(String metadata) {
    HttpResponse<byte[]> r = post(Map.of("Upload-Length", "10", "Upload-Metadata", metadata));

    assertThat(r.statusCode()).as("metadata '%s': %s", metadata, text(r)).isEqualTo(400);
  }

  @Test
  void post_with_100_kb_of_metadata_returns_a_4xx_not_a_5xx() {
    String value = b64("x".repeat(75_000)); // 100,000 base64 characters
    HttpResponse<byte[]> r = post(Map.of("Upload-Length", "10", "Upload-Metadata", "filename " + value));

    assertThat(r.statusCode()).as(text(r)).isBetween(400, 499);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void post_with_metadata_over_the_configured_limit_returns_400() {
    String value = b64("y".repeat(15_000)); // 20,000 base64 characters, over the 16 KiB default
    HttpResponse<byte[]> r = post(Map.of("Upload-Length", "10", "Upload-Metadata", "filename " + value));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void post_with_1_mb_header_over_a_raw_socket_gets_a_4xx_not_a_5xx() {
    String value = "A".repeat(1_000_000);
    // the server may refuse mid-header; its answer, if any, is still in the socket
    RawHttp.Response r =
        raw.request("POST", "/files/")
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", "10")
            .header("Upload-Metadata", "filename " + value)
            .header("Content-Length", "0")
            .send();
    // a reset connection (status -1) is acceptable for a 1 MB header: what matters is no 5xx and
    // no upload
    if (r.status() != -1) {
      assertThat(r.status()).as("%s", r).isBetween(400, 499);
    }
    // and the server is fine afterwards
    assertThat(post(Map.of("Upload-Length", "10")).statusCode()).isEqualTo(201);
  }

  // ---- Upload-Offset / checksum on PATCH

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "1e3", "99999999999999999999", ""})
  void patch_with_malformed_upload_offset_returns_400(String value) {
    String url = tus.create(10);
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(url)
                .header("Upload-Offset", value)
                .header("Content-Type", OCTET)
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(randomBytes(10, 2)))
                .build());

    assertThat(r.statusCode()).as("Upload-Offset '%s': %s", value, text(r)).isEqualTo(400);
    assertThat(tus.offset(url)).isZero();
  }

  @Test
  void patch_without_upload_offset_returns_400() {
    String url = tus.create(10);
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(url)
                .header("Content-Type", OCTET)
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(randomBytes(10, 3)))
                .build());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(tus.offset(url)).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"crc32 AAAAAA==", "sha256", "sha256 not-base64!!", "sha256 YWJj", "md5", " "})
  void patch_with_bad_upload_checksum_returns_400(String value) {
    String url = tus.create(10);

    HttpResponse<byte[]> r = tus.patch(url, 0, randomBytes(10, 4), Map.of("Upload-Checksum", value));

    assertThat(r.statusCode()).as("Upload-Checksum '%s': %s", value, text(r)).isEqualTo(400);
    assertThat(tus.offset(url)).isZero();
  }

  @Test
  void patch_with_malformed_upload_length_returns_400() {
    HttpResponse<byte[]> c = post(Map.of("Upload-Defer-Length", "1"));
    String url = c.headers().firstValue("Location").orElseThrow();

    HttpResponse<byte[]> r = tus.patch(url, 0, randomBytes(10, 5), Map.of("Upload-Length", "-5"));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(tus.offset(url)).isZero();
  }

  // ---- 413: a body past Upload-Length

  @Test
  void patch_with_content_length_past_upload_length_returns_413_and_writes_nothing() {
    byte[] data = randomBytes(100, 6);
    String url = tus.create(100);
    assertThat(tus.patch(url, 0, Arrays.copyOf(data, 40)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> r = tus.patch(url, 40, randomBytes(61, 7));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(413);
    assertThat(tus.offset(url)).isEqualTo(40);
    assertThat(tus.patch(url, 40, Arrays.copyOfRange(data, 40, 100)).statusCode()).isEqualTo(204);
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void chunked_patch_running_past_upload_length_returns_413_and_writes_nothing_past_it() {
    byte[] data = randomBytes(1000, 8);
    String url = tus.create(1000);
    assertThat(tus.patch(url, 0, Arrays.copyOf(data, 400)).statusCode()).isEqualTo(204);
    // 600 bytes would complete it; send 700 in chunks of 100
    byte[] tooMuch = randomBytes(700, 9);

    RawHttp.Response r = chunkedPatch(url, 400, tooMuch, 100);

    assertThat(r.status()).as(r.text()).isEqualTo(413);
    assertThat(tus.offset(url)).isEqualTo(400);
    assertThat(tus.patch(url, 400, Arrays.copyOfRange(data, 400, 1000)).statusCode())
        .isEqualTo(204);
    HttpResponse<byte[]> g = tus.get(url);
    assertThat(g.body()).hasSize(1000).isEqualTo(data);
  }

  @Test
  void chunked_patch_past_upload_length_with_one_large_chunk_returns_413() {
    String url = tus.create(1000);

    RawHttp.Response r = chunkedPatch(url, 0, randomBytes(5000, 10), 5000);

    assertThat(r.status()).as(r.text()).isEqualTo(413);
    assertThat(tus.offset(url)).isZero();
  }

  @Test
  void creation_with_upload_body_past_upload_length_returns_413_and_keeps_nothing() {
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "10")
                .header("Content-Type", OCTET)
                .POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(11, 11)))
                .build());

    assertThat(r.statusCode()).isEqualTo(413);
    r.headers()
        .firstValue("Location")
        .ifPresent(loc -> assertThat(tus.offset(loc)).isZero());
  }

  @Test
  void creation_with_upload_and_a_checksum_mismatch_returns_460() {
    byte[] data = randomBytes(50, 12);
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "50")
                .header("Content-Type", OCTET)
                .header("Upload-Checksum", "sha1 " + checksum("sha1", randomBytes(50, 13)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(data))
                .build());

    assertThat(r.statusCode()).as(text(r)).isEqualTo(460);
    r.headers()
        .firstValue("Location")
        .ifPresent(loc -> assertThat(tus.offset(loc)).isZero());
  }

  private static RawHttp.Response chunkedPatch(String url, long offset, byte[] body, int chunk) {
    return raw.patch(url, offset)
        .header("Transfer-Encoding", "chunked")
        .body(RawHttp.chunked(body, chunk))
        .send();
  }
}
