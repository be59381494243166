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
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tus 1.0.0 core protocol and its extensions over real HTTP, happy paths and status codes. */
class TusProtocolIT {
  private static TestServer server;
  private static TusHttp tus;
  private static RawHttp raw;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_MAX_UPLOAD_BYTES", "10000000"));
    tus = new TusHttp(server.baseUrl());
    raw = new RawHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  // ---- OPTIONS

  @Test
  void options_advertises_version_extensions_max_size_and_checksum_algorithms() {
    HttpResponse<byte[]> r = tus.options("/files/");

    assertThat(r.statusCode()).isIn(200, 204);
    assertThat(r.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
    assertThat(csv(r, "Tus-Version")).contains("1.0.0");
    assertThat(csv(r, "Tus-Extension"))
        .contains(
            "creation",
            "creation-with-upload",
            "creation-defer-length",
            "termination",
            "checksum",
            "checksum-trailer",
            "concatenation",
            "concatenation-unfinished",
            "expiration");
    assertThat(r.headers().firstValue("Tus-Max-Size")).hasValue("10000000");
    assertThat(csv(r, "Tus-Checksum-Algorithm")).contains("md5", "sha1", "sha256", "sha512");
  }

  // ---- creation

  @Test
  void post_creates_an_upload_with_201_and_an_absolute_location() {
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "100")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
    String location = r.headers().firstValue("Location").orElseThrow();
    URI uri = URI.create(location);
    assertThat(uri.isAbsolute()).as(location).isTrue();
    assertThat(location).startsWith(server.baseUrl() + "/files/");
    assertThat(UUID.fromString(TusHttp.id(location)).toString()).isEqualTo(TusHttp.id(location));
    assertThat(tus.offset(location)).isZero();
  }

  @Test
  void creation_with_upload_stores_the_body_sent_with_the_post_and_reports_its_offset() {
    byte[] data = randomBytes(5000, 1);
    byte[] first = Arrays.copyOf(data, 3000);
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "5000")
                .header("Content-Type", OCTET)
                .POST(HttpRequest.BodyPublishers.ofByteArray(first))
                .build());

    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
    assertThat(r.headers().firstValue("Upload-Offset")).hasValue("3000");
    String url = r.headers().firstValue("Location").orElseThrow();
    assertThat(tus.offset(url)).isEqualTo(3000);

    HttpResponse<byte[]> p = tus.patch(url, 3000, Arrays.copyOfRange(data, 3000, 5000));
    assertThat(p.statusCode()).isEqualTo(204);
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void creation_with_upload_of_the_whole_file_completes_it_at_once() {
    byte[] data = randomBytes(777, 2);
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "777")
                .header("Content-Type", OCTET)
                .POST(HttpRequest.BodyPublishers.ofByteArray(data))
                .build());

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.headers().firstValue("Upload-Offset")).hasValue("777");
    assertThat(tus.get(r.headers().firstValue("Location").orElseThrow()).body()).isEqualTo(data);
  }

  @Test
  void a_deferred_upload_declared_empty_before_any_byte_completes_empty() {
    // found by the property tests: the content check read a staged file that never existed (500)
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Defer-Length", "1")
                .header("Upload-Metadata", "filename " + b64("empty.png") + ",filetype "
                    + b64("image/png"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    String url = r.headers().firstValue("Location").orElseThrow();

    HttpResponse<byte[]> p = tus.patch(url, 0, new byte[0], Map.of("Upload-Length", "0"));

    assertThat(p.statusCode()).as(text(p)).isEqualTo(204);
    assertThat(p.headers().firstValue("Upload-Offset")).hasValue("0");
    HttpResponse<byte[]> h = tus.head(url);
    assertThat(h.headers().firstValue("Upload-Length")).hasValue("0");
    assertThat(tus.get(url).body()).isEmpty();
  }

  @Test
  void defer_length_upload_learns_its_length_from_a_later_patch() {
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Defer-Length", "1")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
    String url = r.headers().firstValue("Location").orElseThrow();

    HttpResponse<byte[]> h = tus.head(url);
    assertThat(h.headers().firstValue("Upload-Defer-Length")).hasValue("1");
    assertThat(h.headers().firstValue("Upload-Length")).isEmpty();

    byte[] data = randomBytes(1200, 3);
    HttpResponse<byte[]> p1 = tus.patch(url, 0, Arrays.copyOf(data, 500));
    assertThat(p1.statusCode()).as(text(p1)).isEqualTo(204);
    assertThat(p1.headers().firstValue("Upload-Offset")).hasValue("500");
    assertThat(tus.head(url).headers().firstValue("Upload-Length")).isEmpty();

    HttpResponse<byte[]> p2 =
        tus.patch(
            url, 500, Arrays.copyOfRange(data, 500, 1200), Map.of("Upload-Length", "1200"));
    assertThat(p2.statusCode()).as(text(p2)).isEqualTo(204);
    assertThat(p2.headers().firstValue("Upload-Offset")).hasValue("1200");

    HttpResponse<byte[]> h2 = tus.head(url);
    assertThat(h2.headers().firstValue("Upload-Length")).hasValue("1200");
    assertThat(h2.headers().firstValue("Upload-Defer-Length")).isEmpty();
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void head_returns_offset_length_metadata_and_no_store() {
    String meta = "filename " + b64("report.pdf") + ",filetype " + b64("application/pdf") + ",flag";
    String url = tus.create(300, meta);
    assertThat(tus.patch(url, 0, randomBytes(120, 4)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> h = tus.head(url);

    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.headers().firstValue("Upload-Offset")).hasValue("120");
    assertThat(h.headers().firstValue("Upload-Length")).hasValue("300");
    assertThat(h.headers().firstValue("Upload-Metadata")).hasValue(meta);
    assertThat(h.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
    assertThat(h.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
  }

  @Test
  void metadata_at_the_creation_limit_is_echoed_by_head() {
    String meta = "filename " + "QUFB".repeat((16 * 1024 - 9) / 4); // 16,381 characters
    HttpResponse<byte[]> r = tus.tryCreate(10, meta);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(201); // under FORGE_MAX_METADATA_BYTES
    HttpResponse<byte[]> h = tus.head(TusHttp.location(r));
    assertThat(h.statusCode()).as(text(h)).isEqualTo(200);
    assertThat(h.headers().firstValue("Upload-Metadata")).hasValue(meta);
  }

  @Test
  void upload_expires_is_sent_on_post_and_patch_while_the_upload_is_unfinished() {
    HttpResponse<byte[]> post =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "10")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    String url = post.headers().firstValue("Location").orElseThrow();
    assertThat(post.headers().firstValue("Upload-Expires")).isPresent();
    assertThat(httpDate(post.headers().firstValue("Upload-Expires").get()))
        .isAfter(Instant.now());

    HttpResponse<byte[]> patch = tus.patch(url, 0, randomBytes(4, 5));
    assertThat(patch.statusCode()).isEqualTo(204);
    assertThat(patch.headers().firstValue("Upload-Expires")).isPresent();
    assertThat(httpDate(patch.headers().firstValue("Upload-Expires").get()))
        .isAfter(Instant.now());
  }

  // ---- core status codes

  @Test
  void missing_tus_resumable_returns_412_with_tus_version() {
    HttpResponse<byte[]> r =
        tus.send(
            tus.plain("/files/")
                .header("Upload-Length", "10")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());

    assertThat(r.statusCode()).isEqualTo(412);
    assertThat(csv(r, "Tus-Version")).contains("1.0.0");
  }

  @Test
  void wrong_tus_resumable_returns_412_with_tus_version_and_changes_nothing() {
    String url = tus.create(10);
    HttpResponse<byte[]> r =
        tus.send(
            tus.plain(url)
                .header("Tus-Resumable", "0.2.2")
                .header("Upload-Offset", "0")
                .header("Content-Type", OCTET)
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(randomBytes(10, 6)))
                .build());

    assertThat(r.statusCode()).isEqualTo(412);
    assertThat(csv(r, "Tus-Version")).contains("1.0.0");
    assertThat(tus.offset(url)).isZero();
  }

  @Test
  void patch_with_wrong_content_type_returns_415() {
    String url = tus.create(10);
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(url)
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(randomBytes(10, 7)))
                .build());

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(tus.offset(url)).isZero();
  }

  @Test
  void patch_with_wrong_offset_returns_409() {
    String url = tus.create(100);
    assertThat(tus.patch(url, 0, randomBytes(40, 8)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> behind = tus.patch(url, 10, randomBytes(10, 9));
    HttpResponse<byte[]> ahead = tus.patch(url, 50, randomBytes(10, 9));

    assertThat(behind.statusCode()).isEqualTo(409);
    assertThat(ahead.statusCode()).isEqualTo(409);
    assertThat(behind.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
    assertThat(tus.offset(url)).isEqualTo(40);
  }

  @Test
  void creation_with_upload_with_wrong_content_type_returns_415_and_creates_nothing() {
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "10")
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(10, 21)))
                .build());

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void expired_upload_returns_410_on_head_and_patch() throws Exception {
    try (TestServer shortLived = TestServer.start(Map.of("FORGE_UPLOAD_EXPIRY_SECONDS", "1"))) {
      TusHttp c = new TusHttp(shortLived.baseUrl());
      String url = c.create(10);
      HttpResponse<byte[]> fresh = c.head(url);
      assertThat(fresh.statusCode()).isEqualTo(200);
      assertThat(httpDate(fresh.headers().firstValue("Upload-Expires").orElseThrow()))
          .isBefore(Instant.now().plusSeconds(5));

      Thread.sleep(2100);

      assertThat(c.head(url).statusCode()).isEqualTo(410);
      assertThat(c.patch(url, 0, randomBytes(10, 22)).statusCode()).isEqualTo(410);
    }
  }

  @Test
  void unknown_upload_id_returns_404_on_head_patch_and_delete() {
    String url = tus.filesUrl() + UUID.randomUUID();

    assertThat(tus.head(url).statusCode()).isEqualTo(404);
    assertThat(tus.patch(url, 0, randomBytes(5, 10)).statusCode()).isEqualTo(404);
    assertThat(tus.delete(url).statusCode()).isEqualTo(404);
  }

  @Test
  void malformed_upload_id_returns_404() {
    assertThat(tus.head(tus.filesUrl() + "not-a-uuid").statusCode()).isEqualTo(404);
    assertThat(tus.patch(tus.filesUrl() + "not-a-uuid", 0, randomBytes(5, 11)).statusCode())
        .isEqualTo(404);
    // not normalised by HttpClient: the raw path goes over the wire as written
    RawHttp.Response r =
        raw.request("HEAD", "/files/../etc/passwd").header("Tus-Resumable", "1.0.0").send();
    assertThat(r.status()).as("%s", r).isIn(400, 404);
    RawHttp.Response r2 =
        raw.request("HEAD", "/files/%2e%2e%2fetc%2fpasswd").header("Tus-Resumable", "1.0.0").send();
    assertThat(r2.status()).as("%s", r2).isIn(400, 404);
  }

  @Test
  void terminated_upload_returns_410_on_head_and_patch() {
    String url = tus.create(50);
    assertThat(tus.patch(url, 0, randomBytes(20, 12)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> d = tus.delete(url);

    assertThat(d.statusCode()).isEqualTo(204);
    assertThat(tus.head(url).statusCode()).isEqualTo(410);
    assertThat(tus.patch(url, 20, randomBytes(30, 13)).statusCode()).isEqualTo(410);
  }

  @Test
  void get_of_a_finished_upload_returns_its_bytes() {
    byte[] data = randomBytes(300_000, 14);
    String url = tus.create(data.length);
    assertThat(tus.patch(url, 0, Arrays.copyOf(data, 100_000)).statusCode()).isEqualTo(204);
    assertThat(tus.patch(url, 100_000, Arrays.copyOfRange(data, 100_000, data.length)).statusCode())
        .isEqualTo(204);

    HttpResponse<byte[]> g = tus.get(url);

    assertThat(g.statusCode()).isEqualTo(200);
    assertThat(g.body()).isEqualTo(data);
  }

  @Test
  void extra_empty_patch_at_the_end_returns_204_with_the_same_offset() {
    byte[] data = randomBytes(64, 15);
    String url = tus.upload(data, null);

    HttpResponse<byte[]> again = tus.patch(url, 64, new byte[0]);
    HttpResponse<byte[]> third = tus.patch(url, 64, new byte[0]);

    assertThat(again.statusCode()).isEqualTo(204);
    assertThat(again.headers().firstValue("Upload-Offset")).hasValue("64");
    assertThat(third.statusCode()).isEqualTo(204);
    assertThat(tus.offset(url)).isEqualTo(64);
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void extra_chunked_empty_patch_keeps_the_connection_open_for_the_next_request()
      throws Exception {
    // tus-java-client ends an upload whose size is a multiple of its request size with a chunked,
    // empty PATCH sent with Expect: 100-continue. The body must be read, or the server closes the
    // connection and the client can lose the 204.
    byte[] data = randomBytes(64, 16);
    String url = tus.upload(data, null);
    try (RawHttp.Connection c =
        raw.patch(url, 64)
            .header("Transfer-Encoding", "chunked")
            .header("Expect", "100-continue")
            .keepAlive()
            .open()) {
      RawHttp.Response cont = c.read();
      assertThat(cont.status()).as("%s", cont).isEqualTo(100);
      Thread.sleep(500); // a slow client: the server must wait for the body, not answer and close
      c.write("0\r\n\r\n");
      RawHttp.Response first = c.read();
      assertThat(first.status()).as("%s", first).isEqualTo(204);
      assertThat(first.header("Upload-Offset")).isEqualTo("64");
      assertThat(first.header("Connection")).isNull();
      c.write(raw.request("HEAD", TusHttp.path(url)).header("Tus-Resumable", "1.0.0").keepAlive()
          .head());
      RawHttp.Response second = c.read(true);
      assertThat(second.statusLine()).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void a_refusal_sent_before_the_body_arrives_says_the_connection_closes() {
    // Refused on its headers (wrong offset) while its body is still on the way: the server cannot
    // skip bytes it has not seen, so it ends the connection, and must say so, or a keep-alive
    // client sends its next request into a closed socket ("received no bytes").
    String url = tus.create(64);
    try (RawHttp.Connection c =
        raw.patch(url, 32).header("Content-Length", 64).keepAlive().open()) {
      RawHttp.Response refused = c.read();
      assertThat(refused.status()).as("%s", refused).isEqualTo(409);
      assertThat(refused.header("Connection")).isEqualTo("close");
      assertThat(c.read().status()).as("the connection ended").isEqualTo(-1);
    }
    assertThat(tus.offset(url)).isZero();
  }

  @Test
  void a_refusal_after_the_whole_body_was_read_keeps_the_connection() {
    byte[] data = randomBytes(64, 19);
    String url = tus.create(64);
    try (RawHttp.Connection c =
        raw.patch(url, 0)
            .header("Content-Length", 64)
            .header("Upload-Checksum", "sha1 " + checksum("sha1", randomBytes(64, 20)))
            .keepAlive()
            .open()) {
      c.write(data);
      RawHttp.Response refused = c.read();
      assertThat(refused.status()).as("%s", refused).isEqualTo(460);
      assertThat(refused.header("Connection")).isNull();
      c.write(raw.request("HEAD", TusHttp.path(url)).header("Tus-Resumable", "1.0.0").keepAlive()
          .head());
      RawHttp.Response next = c.read(true);
      assertThat(next.statusLine()).startsWith("HTTP/1.1 200");
      assertThat(next.header("Upload-Offset")).isEqualTo("0");
    }
  }

  @Test
  void a_body_on_an_already_complete_upload_is_413() {
    byte[] data = randomBytes(64, 17);
    String url = tus.upload(data, null);
    HttpResponse<byte[]> r = tus.patch(url, 64, new byte[] {1, 2, 3});
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  // ---- checksum

  @ParameterizedTest
  @ValueSource(strings = {"md5", "sha1", "sha256", "sha512"})
  void patch_with_matching_checksum_is_accepted(String algorithm) {
    byte[] data = randomBytes(4096, algorithm.hashCode());
    String url = tus.create(data.length);

    HttpResponse<byte[]> r =
        tus.patch(url, 0, data, Map.of("Upload-Checksum", algorithm + " " + checksum(algorithm, data)));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(204);
    assertThat(r.headers().firstValue("Upload-Offset")).hasValue("4096");
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @ParameterizedTest
  @ValueSource(strings = {"md5", "sha1", "sha256", "sha512"})
  void patch_with_mismatching_checksum_returns_460_and_keeps_the_offset(String algorithm) {
    byte[] first = randomBytes(100, 16);
    byte[] data = randomBytes(2000, 17);
    String url = tus.create(first.length + data.length);
    assertThat(tus.patch(url, 0, first).statusCode()).isEqualTo(204);
    byte[] other = data.clone();
    other[1000] ^= 1;

    HttpResponse<byte[]> r =
        tus.patch(url, 100, data, Map.of("Upload-Checksum", algorithm + " " + checksum(algorithm, other)));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(460);
    assertThat(tus.offset(url)).isEqualTo(100);
    // the rejected bytes left no trace: the right bytes complete the upload exactly
    assertThat(tus.patch(url, 100, data).statusCode()).isEqualTo(204);
    byte[] expected = new byte[2100];
    System.arraycopy(first, 0, expected, 0, 100);
    System.arraycopy(data, 0, expected, 100, 2000);
    assertThat(tus.get(url).body()).isEqualTo(expected);
  }

  // ---- X-HTTP-Method-Override

  @Test
  void post_with_method_override_patch_appends_like_a_patch() {
    byte[] data = randomBytes(900, 18);
    String url = tus.create(data.length);

    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(url)
                .header("X-HTTP-Method-Override", "PATCH")
                .header("Upload-Offset", "0")
                .header("Content-Type", OCTET)
                .POST(HttpRequest.BodyPublishers.ofByteArray(data))
                .build());

    assertThat(r.statusCode()).as(text(r)).isEqualTo(204);
    assertThat(r.headers().firstValue("Upload-Offset")).hasValue("900");
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void post_with_method_override_patch_over_a_raw_socket_appends() {
    byte[] data = randomBytes(333, 19);
    String url = tus.create(data.length);

    RawHttp.Response r =
        raw.request("POST", TusHttp.path(url))
            .header("Tus-Resumable", "1.0.0")
            .header("X-HTTP-Method-Override", "PATCH")
            .header("Upload-Offset", "0")
            .header("Content-Type", OCTET)
            .header("Content-Length", data.length)
            .body(data)
            .send();

    assertThat(r.status()).as(r.text()).isEqualTo(204);
    assertThat(r.header("Upload-Offset")).isEqualTo("333");
    assertThat(tus.get(url).body()).isEqualTo(data);
  }

  @Test
  void post_with_method_override_head_and_delete_act_as_head_and_delete() {
    String url = tus.create(70);
    assertThat(tus.patch(url, 0, randomBytes(30, 20)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> h =
        tus.send(
            tus.tus(url)
                .header("X-HTTP-Method-Override", "HEAD")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.headers().firstValue("Upload-Offset")).hasValue("30");
    assertThat(h.headers().firstValue("Upload-Length")).hasValue("70");

    HttpResponse<byte[]> d =
        tus.send(
            tus.tus(url)
                .header("X-HTTP-Method-Override", "DELETE")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(d.statusCode()).isEqualTo(204);
    assertThat(tus.head(url).statusCode()).isEqualTo(410);
  }

  // ---- Location behind a proxy

  @Test
  void location_honours_x_forwarded_proto_and_host_when_the_proxy_is_trusted() {
    try (TestServer trusted = TestServer.start(Map.of("FORGE_TRUST_PROXY", "true"))) {
      TusHttp c = new TusHttp(trusted.baseUrl());
      HttpResponse<byte[]> r =
          c.send(
              c.tus(c.filesUrl())
                  .header("Upload-Length", "5")
                  .header("X-Forwarded-Proto", "https")
                  .header("X-Forwarded-Host", "uploads.example.com")
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build());

      assertThat(r.statusCode()).isEqualTo(201);
      String location = r.headers().firstValue("Location").orElseThrow();
      assertThat(location).startsWith("https://uploads.example.com/files/");
      // and the upload behind it is real
      assertThat(c.offset(c.filesUrl() + TusHttp.id(location))).isZero();
    }
  }

  @Test
  void location_ignores_x_forwarded_headers_when_the_proxy_is_not_trusted() {
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "5")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "evil.example.com")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());

    assertThat(r.statusCode()).isEqualTo(201);
    String location = r.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith(server.baseUrl() + "/files/");
    assertThat(location).doesNotContain("evil.example.com");
  }

  // ---- helpers

  private static List<String> csv(HttpResponse<byte[]> r, String header) {
    return r.headers().allValues(header).stream()
        .flatMap(v -> Arrays.stream(v.split(",")))
        .map(String::strip)
        .toList();
  }

  private static Instant httpDate(String value) {
    return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
  }
}
