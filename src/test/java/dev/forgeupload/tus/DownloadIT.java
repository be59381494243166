package dev.forgeupload.tus;

import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TestData.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Downloads through {@code /api/v1/uploads/{id}/content}: ranges and safe headers. */
class DownloadIT {
  private static TestServer server;
  private static TusHttp tus;
  private static byte[] data;
  private static String contentUrl;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of());
    tus = new TusHttp(server.baseUrl());
    data = randomBytes(100, 42);
    String url = tus.upload(data, "filename " + b64("data.bin"));
    contentUrl = content(url);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String content(String uploadUrl) {
    return server.baseUrl() + "/api/v1/uploads/" + TusHttp.id(uploadUrl) + "/content";
  }

  @Test
  void content_without_range_returns_all_bytes() {
    HttpResponse<byte[]> r = tus.get(contentUrl);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(data);
    assertThat(r.headers().firstValue("Content-Length")).hasValue("100");
    assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
  }

  @Test
  void range_of_the_first_ten_bytes_returns_206_with_content_range() {
    HttpResponse<byte[]> r = tus.getWith(contentUrl, "Range", "bytes=0-9");

    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 0-9/100");
    assertThat(r.body()).isEqualTo(Arrays.copyOf(data, 10));
  }

  @Test
  void suffix_range_returns_the_last_bytes() {
    HttpResponse<byte[]> r = tus.getWith(contentUrl, "Range", "bytes=-5");

    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 95-99/100");
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, 95, 100));
  }

  @Test
  void open_range_returns_everything_from_the_start() {
    HttpResponse<byte[]> r = tus.getWith(contentUrl, "Range", "bytes=10-");

    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 10-99/100");
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, 10, 100));
  }

  @Test
  void middle_range_returns_exactly_those_bytes() {
    HttpResponse<byte[]> r = tus.getWith(contentUrl, "Range", "bytes=37-61");

    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 37-61/100");
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, 37, 62));
  }

  @Test
  void unsatisfiable_range_returns_416_with_the_length() {
    HttpResponse<byte[]> r = tus.getWith(contentUrl, "Range", "bytes=99999-");

    assertThat(r.statusCode()).isEqualTo(416);
    assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes */100");
  }

  @Test
  void content_disposition_of_a_hostile_filename_is_escaped_and_has_no_line_breaks() {
    String hostile = "../../etc/evil \"quoted\"\r\nX-Injected: yes; ünïcødé 名前.txt";
    String url = tus.upload(randomBytes(20, 43), "filename " + b64(hostile));

    // raw socket: HttpClient would hide a header split
    RawHttp.Response r =
        new RawHttp(server.baseUrl())
            .request("GET", "/api/v1/uploads/" + TusHttp.id(url) + "/content")
            .send();

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers()).doesNotContainKey("x-injected");
    String cd = r.header("Content-Disposition");
    assertThat(cd).isNotNull().startsWith("attachment").doesNotContain("\r", "\n");
    assertThat(cd).contains("filename*=UTF-8''");
    Matcher plain = Pattern.compile("filename=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(cd);
    assertThat(plain.find()).as(cd).isTrue();
    assertThat(plain.group(1)).doesNotContain("/", "\\\"", "..");
    Matcher star = Pattern.compile("filename\\*=UTF-8''([^;\\s]*)").matcher(cd);
    assertThat(star.find()).as(cd).isTrue();
    assertThat(star.group(1)).matches("[A-Za-z0-9%!#$&+.^_`|~-]*");
    String decoded = URLDecoder.decode(star.group(1), StandardCharsets.UTF_8);
    assertThat(decoded).contains("ünïcødé 名前.txt").doesNotContain("/");
    assertThat(r.body()).hasSize(20);
  }

  @Test
  void content_is_never_sniffed_and_html_goes_out_as_octet_stream() {
    String url =
        tus.upload(
            "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8),
            "filename " + b64("page.html") + ",filetype " + b64("text/html"));

    HttpResponse<byte[]> r = tus.get(content(url));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/octet-stream");
    assertThat(r.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment");
  }

  @Test
  void content_of_an_unfinished_upload_is_not_served() {
    String url = tus.create(50);
    assertThat(tus.patch(url, 0, randomBytes(10, 44)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> r = tus.get(content(url));

    assertThat(r.statusCode()).isBetween(400, 499);
    assertThat(r.headers().firstValue("Content-Range")).isEmpty();
  }
}
