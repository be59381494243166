package dev.forgeupload.shares;

import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TusHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.security.Tokens;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.URI;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Share links over real HTTP with FORGE_AUTH=token: a link downloads without any credential
 * (ranges, ETag, attachment), counts and audits its downloads, ends when expired or used up
 * (410) or revoked (404); guessed and malformed tokens are 404; only the owner or an admin makes,
 * lists and revokes links.
 */
class ShareLinksIT {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-share-secret";
  private static final String ALICE = Tokens.hs256(SECRET, "alice");
  private static final String BOB = Tokens.hs256(SECRET, "bob");
  private static final String ADMIN = Tokens.admin(SECRET);
  private static final Duration STORED = Duration.ofSeconds(60);
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of(
        "FORGE_AUTH", "token",
        "FORGE_AUTH_JWT_SECRET", SECRET,
        "FORGE_SHARE_MAX_SECONDS", "3600"));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A stored upload of alice's with these bytes; its id. */
  private static String stored(byte[] data, String name) {
    String url = http.as(ALICE).upload(data, "filename " + b64(name) + ",filetype " + b64("text/plain"));
    String id = TusHttp.id(url);
    http.as(ALICE).awaitStored(id, STORED);
    return id;
  }

  private static JsonNode share(String token, String id, String body, int status) {
    HttpResponse<byte[]> r = http.as(token).postJson("/api/v1/uploads/" + id + "/shares", body);
    assertThat(r.statusCode()).as(TusHttp.text(r)).isEqualTo(status);
    return json(r);
  }

  /** The link's path, to GET without any credential. */
  private static String path(JsonNode link) {
    URI u = URI.create(link.get("url").asText());
    assertThat(u.isAbsolute()).isTrue();
    assertThat(u.getPath()).startsWith("/s/");
    return u.getPath();
  }

  @Test
  void a_link_downloads_without_credentials_with_ranges_etag_and_safe_headers() {
    byte[] data = TestData.randomBytes(100_000, 7);
    String id = stored(data, "report.txt");
    JsonNode link = share(ALICE, id, "{}", 201);
    assertThat(link.get("downloads").asInt()).isZero();
    assertThat(link.get("max_downloads").isNull()).isTrue();
    assertThat(Duration.between(Instant.parse(link.get("created_at").asText()),
        Instant.parse(link.get("expires_at").asText()))).isEqualTo(Duration.ofHours(1));
    String s = path(link);
    assertThat(s.substring(3)).matches("[A-Za-z0-9_-]{43}");

    HttpResponse<byte[]> full = http.get(s);
    assertThat(full.statusCode()).isEqualTo(200);
    assertThat(full.body()).isEqualTo(data);
    assertThat(full.headers().firstValue("Content-Disposition").orElseThrow())
        .startsWith("attachment").contains("report.txt");
    assertThat(full.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(full.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("sandbox");
    assertThat(full.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    String etag = full.headers().firstValue("ETag").orElseThrow();
    // inline is not offered on a link
    assertThat(http.get(s + "?inline=1").headers().firstValue("Content-Disposition").orElseThrow())
        .startsWith("attachment");

    HttpResponse<byte[]> part = http.getWith(s, "Range", "bytes=1000-1999");
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(Arrays.copyOfRange(data, 1000, 2000));
    assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/100000");
    assertThat(http.getWith(s, "Range", "bytes=200000-").statusCode()).isEqualTo(416);
    assertThat(http.getWith(s, "If-None-Match", etag).statusCode()).isEqualTo(304);

    // 200 + 200 (inline asked) + 206 counted; 416 and 304 sent no bytes
    JsonNode listed = json(http.as(ALICE).get("/api/v1/uploads/" + id + "/shares"));
    assertThat(listed.get("items").get(0).get("downloads").asInt()).isEqualTo(3);
    assertThat(listed.get("items").get(0).get("status").asText()).isEqualTo("active");
    assertThat(listed.get("items").get(0).has("url")).isFalse();
    JsonNode audit = json(http.as(ADMIN).get("/api/v1/audit?upload_id=" + id));
    List<String> actions = new ArrayList<>();
    audit.get("items").forEach(e -> actions.add(e.get("action").asText()));
    assertThat(actions).contains("share.created").filteredOn("share.downloaded"::equals).hasSize(3);
  }

  @Test
  void a_link_is_410_once_expired() throws Exception {
    String id = stored(TestData.randomBytes(1000, 8), "soon.txt");
    JsonNode link = share(ALICE, id, "{\"expires_in_seconds\":1}", 201);
    assertThat(http.get(path(link)).statusCode()).isEqualTo(200);
    Instant expires = Instant.parse(link.get("expires_at").asText());
    while (!Instant.now().isAfter(expires.plusMillis(200))) {
      Thread.sleep(100);
    }
    HttpResponse<byte[]> r = http.get(path(link));
    assertThat(r.statusCode()).isEqualTo(410);
    assertThat(json(r).get("code").asText()).isEqualTo("gone");
    assertThat(json(r).get("message").asText()).contains("expired");
  }

  @Test
  void a_link_is_410_once_max_downloads_are_reached_even_by_parallel_downloads()
      throws Exception {
    byte[] data = TestData.randomBytes(5000, 9);
    String id = stored(data, "twice.txt");
    JsonNode two = share(ALICE, id, "{\"max_downloads\":2}", 201);
    assertThat(http.get(path(two)).body()).isEqualTo(data);
    assertThat(http.get(path(two)).body()).isEqualTo(data);
    HttpResponse<byte[]> third = http.get(path(two));
    assertThat(third.statusCode()).isEqualTo(410);
    assertThat(json(third).get("message").asText()).contains("used up");

    JsonNode three = share(ALICE, id, "{\"max_downloads\":3}", 201);
    ExecutorService pool = Executors.newFixedThreadPool(12);
    try {
      List<Future<Integer>> all = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        all.add(pool.submit(() -> http.get(path(three)).statusCode()));
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : all) {
        statuses.add(f.get());
      }
      assertThat(statuses).filteredOn(st -> st == 200).hasSize(3);
      assertThat(statuses).filteredOn(st -> st == 410).hasSize(21);
    } finally {
      pool.shutdownNow();
    }
    JsonNode listed = json(http.as(ALICE).get("/api/v1/uploads/" + id + "/shares"));
    listed.get("items").forEach(l -> {
      assertThat(l.get("downloads").asInt()).isEqualTo(l.get("max_downloads").asInt());
      assertThat(l.get("status").asText()).isEqualTo("used_up");
    });
  }

  @Test
  void revoked_guessed_and_malformed_tokens_are_404() {
    String id = stored(TestData.randomBytes(1000, 10), "revoke.txt");
    JsonNode link = share(ALICE, id, "", 201); // no body: the defaults
    assertThat(http.get(path(link)).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> revoked =
        http.as(ALICE).delete("/api/v1/shares/" + link.get("id").asText());
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(json(revoked).get("status").asText()).isEqualTo("revoked");
    assertThat(http.get(path(link)).statusCode()).isEqualTo(404);
    // revoking again is fine
    assertThat(http.as(ALICE).delete("/api/v1/shares/" + link.get("id").asText()).statusCode())
        .isEqualTo(200);

    ShareTokens tokens = new ShareTokens(new SecureRandom());
    List<String> bad = new ArrayList<>(List.of(
        "/s/" + tokens.generate(), "/s/" + tokens.generate(), "/s/", "/s/x", "/s/" + "A".repeat(44),
        "/s/" + "A".repeat(42) + "%21", "/s/" + path(link).substring(3, 45) + "B",
        "/s/%2e%2e/api/v1/me", "/s/" + "a".repeat(5000)));
    for (String p : bad) {
      HttpResponse<byte[]> r = http.get(p);
      assertThat(r.statusCode()).as(p).isIn(404, 400);
      if (p.length() > 3 && !p.contains("%2e")) {
        assertThat(r.statusCode()).as(p).isEqualTo(404);
        assertThat(json(r).get("code").asText()).isEqualTo("not_found");
      }
    }
    assertThat(http.as(ALICE).postJson(path(link), "{}").statusCode()).isEqualTo(405);
  }

  @Test
  void another_user_cannot_create_list_or_revoke_links_of_an_upload_not_theirs() {
    String id = stored(TestData.randomBytes(1000, 11), "mine.txt");
    JsonNode link = share(ALICE, id, "{}", 201);
    HttpResponse<byte[]> create = http.as(BOB).postJson("/api/v1/uploads/" + id + "/shares", "{}");
    assertThat(create.statusCode()).isEqualTo(404);
    assertThat(json(create).get("code").asText()).isEqualTo("not_found");
    assertThat(http.as(BOB).get("/api/v1/uploads/" + id + "/shares").statusCode()).isEqualTo(404);
    assertThat(http.as(BOB).delete("/api/v1/shares/" + link.get("id").asText()).statusCode())
        .isEqualTo(404);
    assertThat(http.get("/api/v1/uploads/" + id + "/shares").statusCode()).isEqualTo(401);
    assertThat(http.get(path(link)).statusCode()).isEqualTo(200); // bob revoked nothing
    // an admin sees, makes and revokes alice's links
    assertThat(json(http.as(ADMIN).get("/api/v1/uploads/" + id + "/shares")).get("items"))
        .hasSize(1);
    JsonNode adminLink = share(ADMIN, id, "{}", 201);
    assertThat(adminLink.get("created_by").asText()).isEqualTo("root");
    assertThat(http.as(ADMIN).delete("/api/v1/shares/" + link.get("id").asText()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void bad_values_are_400_unfinished_uploads_409_and_a_deleted_upload_ends_its_links() {
    String id = stored(TestData.randomBytes(1000, 12), "gone.txt");
    for (String body : List.of("{\"expires_in_seconds\":0}", "{\"expires_in_seconds\":3601}",
        "{\"expires_in_seconds\":1.5}", "{\"expires_in_seconds\":\"60\"}",
        "{\"max_downloads\":0}", "{\"max_downloads\":-1}", "{\"max_downloads\":99999999999}",
        "{\"maxDownloads\":1}", "[1]", "not json")) {
      HttpResponse<byte[]> r = http.as(ALICE).postJson("/api/v1/uploads/" + id + "/shares", body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(json(r).get("message").asText()).as(body).isNotBlank();
    }
    String unfinished = TusHttp.id(http.as(ALICE).create(10));
    HttpResponse<byte[]> r =
        http.as(ALICE).postJson("/api/v1/uploads/" + unfinished + "/shares", "{}");
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(json(r).get("code").asText()).isEqualTo("not_stored");

    JsonNode link = share(ALICE, id, "{}", 201);
    assertThat(http.as(ALICE).delete("/api/v1/uploads/" + id).statusCode()).isEqualTo(204);
    assertThat(http.get(path(link)).statusCode()).isEqualTo(410);
  }
}
