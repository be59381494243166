package dev.forgeupload.security;

import static dev.forgeupload.testing.TestData.meta;
import static dev.forgeupload.testing.TusHttp.json;
import static dev.forgeupload.testing.TusHttp.location;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.Samples;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The content findings of an attacker's report, over real HTTP in token mode: executables sent as
 * partial uploads, denied script types whose bytes look like text, downloads that escaped the
 * audit log, If-None-Match, and empty uploads keeping their claim.
 */
class ContentSecurityIT {
  static final String SECRET = "content-security-secret-0123456789abcdef";
  private static final String MALLORY = Tokens.hs256(SECRET, "mallory");
  private static final String ADMIN = Tokens.admin(SECRET);
  private static final String OCTET = "application/octet-stream";
  private static TestServer server;
  private static TusHttp http;
  private static TusHttp mallory;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWT_SECRET", SECRET,
                "FORGE_WORKER_CONCURRENCY", "1"));
    http = new TusHttp(server.baseUrl());
    mallory = http.as(MALLORY);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<byte[]> createPartial(long length, String metadata) {
    return mallory.tryCreatePartial(length, metadata);
  }

  /** creation-with-upload; {@code concat} is null or an Upload-Concat value. */
  private static HttpResponse<byte[]> createWithBody(byte[] body, String metadata, String concat) {
    return mallory.tryCreateWithBody(body, metadata, concat);
  }

  private static HttpResponse<byte[]> createFinal(String metadata, String... parts) {
    return mallory.tryCreateFinal(metadata, parts);
  }

  private static JsonNode api(String id) {
    return mallory.getJson("/api/v1/uploads/" + id);
  }

  private static HttpResponse<byte[]> get(String path, String... headers) {
    return mallory.getWith(path, headers);
  }

  private static String header(HttpResponse<byte[]> r, String name) {
    return r.headers().firstValue(name).orElse("");
  }

  /** Neither the tus URL nor the API's content URL serves it, with or without ?inline=1. */
  private static void assertNotServed(String id) {
    for (String path :
        List.of("/files/" + id, "/files/" + id + "?inline=1", "/api/v1/uploads/" + id + "/content",
            "/api/v1/uploads/" + id + "/content?inline=1")) {
      HttpResponse<byte[]> r = get(path);
      assertThat(r.statusCode()).as("%s: %s", path, text(r)).isBetween(400, 499);
      assertThat(header(r, "Content-Disposition")).as(path).isEmpty();
    }
  }

  /** Served as opaque bytes: octet-stream, attachment, even when inline is asked for. */
  private static void assertServedOpaque(String id, byte[] data) {
    for (String path :
        List.of("/files/" + id + "?inline=1", "/api/v1/uploads/" + id + "/content?inline=1")) {
      HttpResponse<byte[]> r = get(path);
      assertThat(r.statusCode()).as("%s: %s", path, text(r)).isEqualTo(200);
      assertThat(header(r, "Content-Type")).as(path).startsWith(OCTET);
      assertThat(header(r, "Content-Disposition")).as(path).startsWith("attachment");
      assertThat(r.body()).isEqualTo(data);
    }
  }

  // ---- A: partial uploads

  @Test
  void executables_sent_as_parts_are_refused_on_every_path_and_never_served() {
    byte[] exe = Samples.windowsExe(4096);
    String part = location(createPartial(exe.length, meta("a.jpg", "image/jpeg")));
    assertThat(api(TusHttp.id(part)).get("content_type").asText()).isEqualTo(OCTET);

    HttpResponse<byte[]> r = mallory.patch(part, 0, exe);

    assertThat(r.statusCode()).as(text(r)).isEqualTo(415);
    assertThat(r.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
    String reason = "part content is application/x-msdownload, which is not accepted here";
    assertThat(text(r).strip()).isEqualTo(reason);
    JsonNode u = api(TusHttp.id(part));
    assertThat(u.get("state").asText()).isEqualTo("failed");
    assertThat(u.get("error").asText()).isEqualTo(reason);
    assertThat(u.get("offset").asLong()).isZero();
    assertNotServed(TusHttp.id(part));

    // an ELF claimed as PNG, as a part with its body in the creation request
    HttpResponse<byte[]> elf =
        createWithBody(Samples.elfExecutable(), meta("b.png", "image/png"), "partial");
    assertThat(elf.statusCode()).as(text(elf)).isEqualTo(415);
    assertThat(text(elf)).contains("part content is application/x-executable");
    assertThat(elf.headers().firstValue("Location")).isEmpty();

    // a Mach-O part with a deferred length, completed by the PATCH that declares it
    HttpResponse<byte[]> deferred =
        http.send(
            mallory.tus("/files/")
                .header("Upload-Defer-Length", "1")
                .header("Upload-Concat", "partial")
                .header("Upload-Metadata", meta("c.gif", "image/gif"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    String d = location(deferred);
    byte[] macho = Samples.machO();
    HttpResponse<byte[]> declared =
        mallory.patch(d, 0, macho, Map.of("Upload-Length", Integer.toString(macho.length)));
    assertThat(declared.statusCode()).as(text(declared)).isEqualTo(415);
    assertNotServed(TusHttp.id(d));
  }

  @Test
  void a_part_that_passes_is_served_and_reported_as_octet_stream_never_inline() {
    // a bare "MZ" starts one part in 65536 of any compressed file: no signature in a part
    byte[] mz = new byte[3000];
    new Random(5).nextBytes(mz);
    mz[0] = 'M';
    mz[1] = 'Z';
    byte[] png = Samples.png(8, 8);
    for (byte[] data : List.of(mz, png)) {
      String part = location(createPartial(data.length, meta("pic.png", "image/png")));
      assertThat(mallory.patch(part, 0, data).statusCode()).isEqualTo(204);
      JsonNode u = api(TusHttp.id(part));
      assertThat(u.get("content_type").asText()).isEqualTo(OCTET);
      assertThat(u.get("upload_type").asText()).isEqualTo("partial");
      assertServedOpaque(TusHttp.id(part), data);
      // and so in the list
      JsonNode list = json(mallory.get("/api/v1/uploads?limit=500"));
      list.get("items").forEach(n -> {
        if (n.get("id").asText().equals(TusHttp.id(part))) {
          assertThat(n.get("content_type").asText()).isEqualTo(OCTET);
        }
      });
    }
    // creation-with-upload of a part: the same
    HttpResponse<byte[]> withBody = createWithBody(png, meta("pic.png", "image/png"), "partial");
    assertThat(withBody.statusCode()).as(text(withBody)).isEqualTo(201);
    assertServedOpaque(TusHttp.id(location(withBody)), png);
  }

  @Test
  void a_final_whose_assembled_start_is_an_executable_is_rejected_whichever_way_it_was_built() {
    // split inside the PE header: the first part alone is a bare "MZ", the second has no magic,
    // together they are a Windows executable
    byte[] exe = Samples.windowsExe(5000);
    byte[] head = Arrays.copyOf(exe, 100);
    byte[] tail = Arrays.copyOfRange(exe, 100, exe.length);
    String claimedJpeg = meta("holiday.jpg", "image/jpeg");

    // parts by creation-with-upload, final created after them: 415 at once, no Location
    String a = location(createWithBody(head, null, "partial"));
    String b = location(createWithBody(tail, null, "partial"));
    HttpResponse<byte[]> r = createFinal(claimedJpeg, a, b);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(415);
    assertThat(text(r).strip())
        .isEqualTo("content is application/x-msdownload, not image/jpeg as claimed");
    assertThat(r.headers().firstValue("Location")).isEmpty();
    HttpResponse<byte[]> unclaimed = createFinal(null, a, b);
    assertThat(unclaimed.statusCode()).isEqualTo(415);
    assertThat(text(unclaimed)).contains("application/x-msdownload, which is not accepted here");
    // the failed finals are visible to their owner, but not served and not retried
    JsonNode failed = json(mallory.get("/api/v1/uploads?state=failed&q=holiday.jpg"));
    assertThat(failed.get("items").size()).as("%s", failed).isEqualTo(1);
    assertRejectedFinal(failed.get("items").get(0).get("id").asText());

    // concatenation-unfinished: the final exists before its parts are done, and its URL is known
    String c = location(createPartial(head.length, null));
    String d = location(createPartial(tail.length, null));
    String fin = location(createFinal(meta("later.jpg", "image/jpeg"), c, d));
    assertThat(api(TusHttp.id(fin)).get("content_type").isNull())
        .as("no type before the bytes confirm one").isTrue();
    assertThat(mallory.patch(c, 0, head).statusCode()).isEqualTo(204);
    assertThat(mallory.patch(d, 0, tail).statusCode()).as("the part itself is fine")
        .isEqualTo(204);
    assertRejectedFinal(TusHttp.id(fin));
    HttpResponse<byte[]> h = mallory.head(fin);
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.headers().firstValue("Upload-Offset")).as("not complete").isEmpty();

    // a shell script split the same way
    String s1 = location(createWithBody(Samples.text("#!/bin/"), null, "partial"));
    String s2 = location(createWithBody(Samples.text("sh\nrm -rf ~\n"), null, "partial"));
    HttpResponse<byte[]> script = createFinal(meta("notes.txt", null), s1, s2);
    assertThat(script.statusCode()).as(text(script)).isEqualTo(415);
    assertThat(text(script)).contains("application/x-sh");
  }

  private static void assertRejectedFinal(String id) {
    JsonNode u = api(id);
    assertThat(u.get("state").asText()).isEqualTo("failed");
    assertThat(u.get("error").asText()).contains("application/x-msdownload");
    assertThat(u.get("offset").asLong()).isZero();
    assertNotServed(id);
    HttpResponse<byte[]> retry = mallory.postJson("/api/v1/uploads/" + id + "/retry", "");
    assertThat(retry.statusCode()).as(text(retry)).isEqualTo(409);
    assertThat(json(retry).get("code").asText()).isEqualTo("not_retryable");
    // the worker never stores it
    sleep(1500);
    JsonNode after = api(id);
    assertThat(after.get("state").asText()).isEqualTo("failed");
    assertThat(after.get("storage_key").isNull()).isTrue();
  }

  // ---- B: denied types that look like text

  @Test
  void a_claim_of_a_denied_type_is_refused_on_every_creation_path_whatever_the_bytes() {
    byte[] pwned = Samples.text("echo pwned\n");
    // POST with Upload-Length, then no bytes at all
    HttpResponse<byte[]> sh = mallory.tryCreate(pwned.length, meta("x.txt", "application/x-sh"));
    assertThat(sh.statusCode()).as(text(sh)).isEqualTo(415);
    assertThat(sh.headers().firstValue("Tus-Resumable")).hasValue("1.0.0");
    assertThat(text(sh).strip()).isEqualTo("the claimed type application/x-sh is not accepted here");
    assertThat(sh.headers().firstValue("Location")).isEmpty();
    assertThat(mallory.tryCreate(0, meta("run.bat", null)).statusCode()).isEqualTo(415);
    assertThat(mallory.tryCreate(0, meta(null, "application/x-msdownload")).statusCode())
        .isEqualTo(415);
    // creation-with-upload: batch files that start like text
    for (String bat : List.of("echo off\r\ndel *\r\n", ":: cleanup\r\ndel *\r\n",
        "\r\n\r\ndel *\r\n")) {
      HttpResponse<byte[]> r = createWithBody(Samples.text(bat), meta("clean.bat", null), null);
      assertThat(r.statusCode()).as(bat).isEqualTo(415);
      assertThat(text(r).strip())
          .isEqualTo("files named *.bat (application/x-bat) are not accepted here");
    }
    assertThat(createWithBody(pwned, meta("x", "application/x-sh"), null).statusCode())
        .isEqualTo(415);
    assertThat(createWithBody(pwned, meta("x.cmd", "text/plain"), null).statusCode())
        .isEqualTo(415);
    // deferred length: refused at creation, before the empty PATCH that would complete it
    HttpResponse<byte[]> deferred =
        mallory.tryCreateDeferred(meta("x.sh", null));
    assertThat(deferred.statusCode()).isEqualTo(415);
    // parts and finals
    assertThat(createPartial(10, meta("setup.exe", null)).statusCode()).isEqualTo(415);
    assertThat(createPartial(10, meta(null, "application/x-sh")).statusCode()).isEqualTo(415);
    String part = location(createPartial(pwned.length, null));
    assertThat(mallory.patch(part, 0, pwned).statusCode()).isEqualTo(204);
    assertThat(createFinal(meta("tool.exe", null), part).statusCode()).isEqualTo(415);
    // nothing of mallory's holds such a type
    JsonNode list = json(mallory.get("/api/v1/uploads?limit=500"));
    list.get("items").forEach(n -> assertThat(n.get("content_type").asText(""))
        .doesNotContain("x-sh", "x-bat", "x-msdownload"));
  }

  @Test
  void scripts_behind_a_byte_order_mark_or_whitespace_are_denied_by_their_bytes() {
    for (String script :
        List.of("\uFEFF#!/bin/sh\necho pwned\n", " #!/bin/sh\necho pwned\n",
            "\r\n@echo off\r\ndel *\r\n", "\uFEFF@echo off\r\n")) {
      byte[] data = Samples.text(script);
      String url = location(mallory.tryCreate(data.length, meta("notes.txt", null)));
      HttpResponse<byte[]> r = mallory.patch(url, 0, data);
      assertThat(r.statusCode()).as("%s: %s", script, text(r)).isEqualTo(415);
      assertThat(text(r).strip())
          .matches("content is application/x-(sh|bat), which is not accepted here");
      assertThat(api(TusHttp.id(url)).get("state").asText()).isEqualTo("failed");
    }
  }

  // ---- C: every download that sends byte 0 is audited

  @Test
  void every_response_that_sends_byte_0_is_audited_once_and_others_are_not() {
    byte[] data = new byte[100];
    new Random(7).nextBytes(data);
    String url = mallory.upload(data, meta("data.bin", null));
    String id = TusHttp.id(url);
    String etag = "\"" + id + "\"";
    for (String path : List.of("/files/" + id, "/api/v1/uploads/" + id + "/content")) {
      // {Range, If-Range} -> the status; every one of these sends byte 0
      List<String[]> audited =
          List.of(
              new String[] {null, null, "200"},
              new String[] {"bytes=abc", null, "200"},
              new String[] {"bytes=99999999999999999999-", null, "200"},
              new String[] {"items=0-5", null, "200"},
              new String[] {"bytes=-1000", null, "206"},
              new String[] {"bytes=-100", null, "206"},
              new String[] {"bytes=0-1,5-6", null, "200"},
              new String[] {"bytes=10-", "\"someone-else\"", "200"},
              new String[] {"bytes=10-20", "Wed, 21 Oct 2015 07:28:00 GMT", "200"},
              new String[] {"bytes=0-9", null, "206"},
              new String[] {"bytes=0-", etag, "206"});
      for (String[] c : audited) {
        long before = downloads(id);
        HttpResponse<byte[]> r = get(path, headers(c[0], c[1]));
        assertThat(r.statusCode()).as("%s %s %s", path, c[0], c[1])
            .isEqualTo(Integer.parseInt(c[2]));
        assertThat(r.body()[0]).isEqualTo(data[0]);
        assertThat(downloads(id)).as("%s %s %s", path, c[0], c[1]).isEqualTo(before + 1);
      }
      // each entry says what went out: the last one was bytes=0- (206, all 100 bytes)
      JsonNode entry = lastDownload(id);
      assertThat(entry.get("actor").asText()).isEqualTo("mallory");
      assertThat(entry.get("address").asText()).isEqualTo("127.0.0.1");
      assertThat(entry.get("detail").get("status").asInt()).isEqualTo(206);
      assertThat(entry.get("detail").get("bytes").asLong()).isEqualTo(100);
      // no byte 0: a range from further in (a player seeking), 416, HEAD, 304
      long before = downloads(id);
      assertThat(get(path, "Range", "bytes=10-").statusCode()).isEqualTo(206);
      assertThat(get(path, "Range", "bytes=50-59").statusCode()).isEqualTo(206);
      assertThat(get(path, "Range", "bytes=-10").statusCode()).isEqualTo(206);
      assertThat(get(path, "Range", "bytes=99999-").statusCode()).isEqualTo(416);
      assertThat(mallory.head(server.baseUrl() + path).statusCode()).isEqualTo(200);
      assertThat(get(path, "If-None-Match", etag).statusCode()).isEqualTo(304);
      assertThat(downloads(id)).isEqualTo(before);
    }
  }

  private static String[] headers(String range, String ifRange) {
    List<String> h = new ArrayList<>();
    if (range != null) {
      h.add("Range");
      h.add(range);
    }
    if (ifRange != null) {
      h.add("If-Range");
      h.add(ifRange);
    }
    return h.toArray(String[]::new);
  }

  private static JsonNode downloadLog(String id) {
    HttpResponse<byte[]> r =
        http.as(ADMIN).get("/api/v1/audit?upload_id=" + id + "&action=upload.downloaded&limit=500");
    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    return json(r).get("items");
  }

  private static long downloads(String id) {
    return downloadLog(id).size();
  }

  private static JsonNode lastDownload(String id) {
    return downloadLog(id).get(0);
  }

  // ---- D: If-None-Match, empty uploads

  @Test
  void if_none_match_with_the_etag_or_a_star_is_304_without_a_body() {
    byte[] data = Samples.png(4, 4);
    String id = TusHttp.id(mallory.upload(data, meta("dot.png", "image/png")));
    String etag = "\"" + id + "\"";
    for (String path : List.of("/files/" + id, "/api/v1/uploads/" + id + "/content")) {
      HttpResponse<byte[]> first = get(path);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(header(first, "ETag")).isEqualTo(etag);
      for (String inm : List.of(etag, "*", "W/" + etag, "\"other\", " + etag)) {
        HttpResponse<byte[]> r = get(path, "If-None-Match", inm);
        assertThat(r.statusCode()).as("%s %s", path, inm).isEqualTo(304);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "ETag")).isEqualTo(etag);
      }
      // a tag that does not match: the body; If-None-Match is evaluated before If-Modified-Since
      HttpResponse<byte[]> other =
          get(path, "If-None-Match", "\"other\"", "If-Modified-Since",
              "Fri, 01 Jan 2100 00:00:00 GMT");
      assertThat(other.statusCode()).isEqualTo(200);
      assertThat(other.body()).isEqualTo(data);
      // and before Range
      assertThat(get(path, "If-None-Match", etag, "Range", "bytes=0-3").statusCode())
          .isEqualTo(304);
    }
  }

  @Test
  void an_empty_upload_is_stored_and_served_as_octet_stream_whatever_it_claims() {
    HttpResponse<byte[]> created = mallory.tryCreate(0, meta("pic.png", "image/png"));
    assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
    String empty = TusHttp.id(location(created));
    // deferred length completed by an empty PATCH that declares it
    String deferred =
        location(
            mallory.tryCreateDeferred(meta("photo.jpg", "image/jpeg")));
    HttpResponse<byte[]> declared =
        mallory.patch(deferred, 0, new byte[0], Map.of("Upload-Length", "0"));
    assertThat(declared.statusCode()).as(text(declared)).isEqualTo(204);
    for (String id : List.of(empty, TusHttp.id(deferred))) {
      assertThat(api(id).get("content_type").asText()).isEqualTo(OCTET);
      assertServedOpaque(id, new byte[0]);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
