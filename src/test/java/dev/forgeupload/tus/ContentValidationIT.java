package dev.forgeupload.tus;

import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.core.ContentPolicy;
import dev.forgeupload.testing.StagedBytes;
import dev.forgeupload.testing.Poll;
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
 * Content validation over real HTTP: the bytes decide, a mismatch or a denied type fails the
 * upload with its reason before its bytes are committed, and filenames are stored sanitized.
 */
class ContentValidationIT {
  private static final String EVIL_JPG =
      "filename " + b64("evil.jpg") + ",filetype " + b64("image/jpeg");
  private static TestServer server;
  private static TusHttp tus;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of());
    tus = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonNode api(String id) {
    return tus.getJson("/api/v1/uploads/" + id);
  }

  private static HttpResponse<byte[]> retry(String id) {
    return tus.post("/api/v1/uploads/" + id + "/retry");
  }

  private static HttpResponse<byte[]> createWithUpload(byte[] data, String metadata) {
    return tus.tryCreateWithBody(data, metadata, null);
  }

  private static JsonNode awaitState(String id, String state) {
    return Poll.until(
        "upload " + id + " " + state, Duration.ofSeconds(20), Duration.ofMillis(50),
        () -> api(id), u -> u.get("state").asText().equals(state));
  }

  private static void assertRejectedAndFailed(String id, String reason) {
    JsonNode u = api(id);
    assertThat(u.get("state").asText()).isEqualTo("failed");
    assertThat(u.get("error").asText()).isEqualTo(reason);
    assertThat(StagedBytes.present(server, id)).as("staged bytes of %s", id).isFalse();
    HttpResponse<byte[]> r = retry(id);
    assertThat(r.statusCode()).as("retry: %s", text(r)).isEqualTo(409);
    assertThat(text(r)).contains("cannot be retried");
    assertThat(api(id).get("state").asText()).as("retry left it failed").isEqualTo("failed");
  }

  @Test
  void a_renamed_windows_executable_sent_as_jpeg_is_rejected_and_fails() {
    byte[] exe = Samples.windowsExe(4096);
    String url = tus.create(exe.length, EVIL_JPG);
    String id = TusHttp.id(url);

    HttpResponse<byte[]> r = tus.patch(url, 0, exe);

    assertThat(r.statusCode()).isEqualTo(415);
    String reason = "content is application/x-msdownload, not image/jpeg as claimed";
    assertThat(text(r).strip()).isEqualTo(reason);
    assertRejectedAndFailed(id, reason);
    // the offset never moved past the check, HEAD still answers, further PATCHes are refused
    assertThat(tus.offset(url)).isZero();
    HttpResponse<byte[]> again = tus.patch(url, 0, exe);
    assertThat(again.statusCode()).isEqualTo(403);
    assertThat(text(again)).contains(reason);
    assertThat(tus.get(url).statusCode()).isBetween(400, 499);
  }

  @Test
  void a_renamed_executable_in_a_creation_with_upload_is_rejected_and_recorded_as_failed() {
    byte[] exe = Samples.windowsExe(3000);
    String name = "evil-" + System.nanoTime() + ".jpg";

    HttpResponse<byte[]> r =
        createWithUpload(exe, "filename " + b64(name) + ",filetype " + b64("image/jpeg"));

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.headers().firstValue("Location")).isEmpty();
    String reason = "content is application/x-msdownload, not image/jpeg as claimed";
    assertThat(text(r).strip()).isEqualTo(reason);
    // the row is there, failed, for the admin: find it by its name
    JsonNode list =
        tus.getJson("/api/v1/uploads?state=failed&q=" + name);
    assertThat(list.get("items").size()).as("%s", list).isEqualTo(1);
    String id = list.get("items").get(0).get("id").asText();
    assertThat(api(id).get("offset").asLong()).isZero();
    assertRejectedAndFailed(id, reason);
    assertThat(tus.head(tus.filesUrl() + id).statusCode()).isEqualTo(200);
  }

  @Test
  void an_executable_without_any_claim_is_denied() {
    byte[] exe = Samples.elfExecutable();
    String url = tus.create(exe.length, "filename " + b64("tool"));
    HttpResponse<byte[]> r = tus.patch(url, 0, exe);
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(text(r)).contains("application/x-executable, which is not accepted here");
    assertRejectedAndFailed(TusHttp.id(url), text(r).strip());
  }

  @Test
  void a_real_png_passes_and_is_stored_as_image_png() {
    byte[] png = Samples.png(16, 16);
    String url = tus.upload(png, "filename " + b64("dot.png"));
    JsonNode u = awaitState(TusHttp.id(url), "stored");
    assertThat(u.get("content_type").asText()).isEqualTo("image/png");
    assertThat(u.get("error").isNull()).isTrue();
    HttpResponse<byte[]> get = tus.get(url);
    assertThat(get.body()).isEqualTo(png);
    assertThat(get.headers().firstValue("Content-Type")).hasValue("image/png");
  }

  @Test
  void plain_text_claimed_as_jpeg_is_rejected() {
    byte[] text = Samples.text("this is not a photo, just words\n".repeat(10));
    String url = tus.create(text.length, "filename " + b64("photo.jpg") + ",filetype "
        + b64("image/jpeg"));
    HttpResponse<byte[]> r = tus.patch(url, 0, text);
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(text(r).strip()).isEqualTo("content is text/plain, not image/jpeg as claimed");
    assertRejectedAndFailed(TusHttp.id(url), "content is text/plain, not image/jpeg as claimed");
  }

  @Test
  void a_large_executable_is_checked_when_its_bytes_cross_the_sniff_threshold() {
    byte[] exe = Samples.windowsExe(200 * 1024);
    String url = tus.create(exe.length, EVIL_JPG);
    int first = 10 * 1024; // below the threshold: nothing to decide yet

    assertThat(tus.patch(url, 0, Arrays.copyOf(exe, first)).statusCode()).isEqualTo(204);
    assertThat(tus.offset(url)).isEqualTo(first);
    assertThat(api(TusHttp.id(url)).get("state").asText()).isEqualTo("uploading");

    HttpResponse<byte[]> r = tus.patch(url, first, Arrays.copyOfRange(exe, first, exe.length));

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(tus.offset(url)).as("not advanced past the check").isEqualTo(first);
    assertRejectedAndFailed(
        TusHttp.id(url), "content is application/x-msdownload, not image/jpeg as claimed");
  }

  @Test
  void a_large_png_sent_in_two_patches_is_checked_at_the_threshold_and_stored() {
    byte[] png = Samples.noisyPng(200, 200);
    assertThat(png.length).isGreaterThan(ContentPolicy.SNIFF_BYTES + 1000);
    String url = tus.create(png.length, "filename " + b64("noise.png") + ",filetype "
        + b64("image/png"));
    int first = 1000;
    assertThat(tus.patch(url, 0, Arrays.copyOf(png, first)).statusCode()).isEqualTo(204);
    assertThat(tus.patch(url, first, Arrays.copyOfRange(png, first, png.length)).statusCode())
        .isEqualTo(204);
    JsonNode u = awaitState(TusHttp.id(url), "stored");
    assertThat(u.get("content_type").asText()).isEqualTo("image/png");
    assertThat(tus.get(url).body()).isEqualTo(png);
  }

  @Test
  void a_part_carrying_an_executable_header_is_refused() {
    byte[] exe = Samples.windowsExe(5000);
    String a = tus.createPartial(2000);
    HttpResponse<byte[]> r = tus.patch(a, 0, Arrays.copyOf(exe, 2000));
    assertThat(r.statusCode()).isEqualTo(415);
    String reason = "part content is application/x-msdownload, which is not accepted here";
    assertThat(text(r).strip()).isEqualTo(reason);
    assertRejectedAndFailed(TusHttp.id(a), reason);
  }

  @Test
  void a_final_concatenation_of_executable_parts_is_rejected_when_it_completes() {
    byte[] exe = Samples.windowsExe(5000);
    String a = tus.createPartial(100);
    String b = tus.createPartial(4900);
    // split inside the PE header: alone, neither part carries an executable's signature (a part
    // is only checked for those: a middle part has no magic); together they start a PE
    assertThat(tus.patch(a, 0, Arrays.copyOf(exe, 100)).statusCode()).isEqualTo(204);
    assertThat(tus.patch(b, 0, Arrays.copyOfRange(exe, 100, 5000)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> r = tus.tryCreateFinal(EVIL_JPG, TusHttp.path(a), TusHttp.path(b));

    assertThat(r.statusCode()).as("final: %s", text(r)).isEqualTo(415);
    assertThat(text(r)).contains("not image/jpeg as claimed");
  }

  @Test
  void filenames_are_stored_sanitized_and_the_metadata_as_sent() {
    byte[] text = Samples.text("root:x:0:0\n");
    String traversal = TusHttp.id(tus.upload(text, "filename " + b64("../../etc/passwd")));
    JsonNode t = api(traversal);
    assertThat(t.get("filename").asText()).isEqualTo("passwd");
    assertThat(t.get("metadata").get("filename").asText()).isEqualTo("../../etc/passwd");

    String bidi = TusHttp.id(tus.upload(text, "filename " + b64("notes\u202Egpj.txt")));
    assertThat(api(bidi).get("filename").asText()).isEqualTo("notesgpj.txt");
    HttpResponse<byte[]> get = tus.get(tus.filesUrl() + bidi);
    assertThat(get.headers().firstValue("Content-Disposition").orElse(""))
        .doesNotContain("\u202E")
        .doesNotContain("%E2%80%AE");
  }
}
