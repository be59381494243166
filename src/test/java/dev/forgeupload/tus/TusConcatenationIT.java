package dev.forgeupload.tus;

import static dev.forgeupload.testing.TusHttp.OCTET;
import static dev.forgeupload.testing.TusHttp.text;
import static dev.forgeupload.testing.TestData.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The concatenation and concatenation-unfinished extensions. */
class TusConcatenationIT {
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

  private static HttpResponse<byte[]> createFinal(String concat) {
    return tus.tryConcat(concat, null);
  }

  private static String partial(byte[] data) {
    String url = tus.createPartial(data.length);
    HttpResponse<byte[]> r = tus.patch(url, 0, data);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(204);
    return url;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void final_upload_of_two_finished_partials_is_their_concatenation() {
    byte[] a = randomBytes(70_000, 1);
    byte[] b = randomBytes(30_001, 2);
    String p1 = partial(a);
    String p2 = partial(b);
    assertThat(tus.head(p1).headers().firstValue("Upload-Concat")).hasValue("partial");

    HttpResponse<byte[]> r = createFinal("final;" + p1 + " " + p2);

    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
    String url = r.headers().firstValue("Location").orElseThrow();
    assertThat(url).startsWith(server.baseUrl() + "/files/");
    HttpResponse<byte[]> h = tus.head(url);
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.headers().firstValue("Upload-Offset")).hasValue("100001");
    assertThat(h.headers().firstValue("Upload-Length")).hasValue("100001");
    assertThat(h.headers().firstValue("Upload-Concat").orElse("")).startsWith("final;");
    assertThat(h.headers().firstValue("Upload-Concat").orElse(""))
        .contains(TusHttp.id(p1), TusHttp.id(p2));
    assertThat(tus.get(url).body()).isEqualTo(concat(a, b));
  }

  @Test
  void final_upload_follows_the_order_of_the_parts_listed() {
    byte[] a = randomBytes(1000, 3);
    byte[] b = randomBytes(2000, 4);
    byte[] c = randomBytes(10, 5);
    String p1 = partial(a);
    String p2 = partial(b);
    String p3 = partial(c);

    HttpResponse<byte[]> r =
        createFinal("final;" + TusHttp.path(p3) + " " + p1 + " " + TusHttp.path(p2));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
    assertThat(tus.get(r.headers().firstValue("Location").orElseThrow()).body())
        .isEqualTo(concat(c, a, b));
  }

  @Test
  void final_upload_created_before_its_partials_finish_reports_no_offset_until_they_do() {
    byte[] a = randomBytes(5000, 6);
    byte[] b = randomBytes(6000, 7);
    String p1 = tus.createPartial(a.length);
    String p2 = tus.createPartial(b.length);
    assertThat(tus.patch(p1, 0, Arrays.copyOf(a, 2000)).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> r = createFinal("final;" + p1 + " " + p2);

    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
    assertThat(r.headers().firstValue("Upload-Offset")).isEmpty();
    String url = r.headers().firstValue("Location").orElseThrow();
    HttpResponse<byte[]> before = tus.head(url);
    assertThat(before.statusCode()).isEqualTo(200);
    assertThat(before.headers().firstValue("Upload-Offset")).isEmpty();
    assertThat(before.headers().firstValue("Upload-Concat").orElse("")).startsWith("final;");

    assertThat(tus.patch(p1, 2000, Arrays.copyOfRange(a, 2000, 5000)).statusCode()).isEqualTo(204);
    assertThat(tus.head(url).headers().firstValue("Upload-Offset")).isEmpty();
    assertThat(tus.patch(p2, 0, b).statusCode()).isEqualTo(204);

    HttpResponse<byte[]> after = tus.head(url);
    assertThat(after.headers().firstValue("Upload-Offset")).hasValue("11000");
    assertThat(after.headers().firstValue("Upload-Length")).hasValue("11000");
    assertThat(tus.get(url).body()).isEqualTo(concat(a, b));
  }

  @Test
  void final_upload_naming_an_unknown_upload_returns_400() {
    String p1 = partial(randomBytes(10, 8));

    HttpResponse<byte[]> r = createFinal("final;" + p1 + " " + tus.filesUrl() + UUID.randomUUID());

    assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void final_upload_naming_a_regular_upload_returns_400() {
    String p1 = partial(randomBytes(10, 9));
    String regular = tus.upload(randomBytes(10, 10), null);

    HttpResponse<byte[]> r = createFinal("final;" + p1 + " " + regular);

    assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
  }

  @Test
  void final_upload_with_a_malformed_part_url_returns_400() {
    assertThat(createFinal("final;" + tus.filesUrl() + "not-a-uuid").statusCode()).isEqualTo(400);
    assertThat(createFinal("final;").statusCode()).isEqualTo(400);
    assertThat(createFinal("whatever").statusCode()).isEqualTo(400);
  }

  @Test
  void patch_on_a_final_upload_returns_403() {
    byte[] a = randomBytes(100, 11);
    String p1 = partial(a);
    String url = createFinal("final;" + p1).headers().firstValue("Location").orElseThrow();

    HttpResponse<byte[]> r = tus.patch(url, 100, randomBytes(10, 12));
    HttpResponse<byte[]> r0 = tus.patch(url, 0, randomBytes(10, 12));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(403);
    assertThat(r0.statusCode()).as(text(r0)).isEqualTo(403);
    assertThat(tus.get(url).body()).isEqualTo(a);
  }

  @Test
  void final_upload_with_a_body_is_refused() {
    String p1 = partial(randomBytes(10, 13));
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Concat", "final;" + p1)
                .header("Content-Type", OCTET)
                .POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(10, 14)))
                .build());

    assertThat(r.statusCode()).isBetween(400, 499);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }
}
