package dev.forgeupload.security;

import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TusHttp.json;
import static dev.forgeupload.testing.TusHttp.location;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FORGE_AUTH=token with an HS256 secret: two users never see each other's uploads (404 on every
 * door), admins see everything, forged tokens fail, API keys work until revoked, the audit log
 * records who did what, CORS answers only the configured origin.
 */
class IsolationIT {
  static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
  private static TestServer server;
  private static TusHttp http;
  private static final String ALICE = Tokens.hs256(SECRET, "alice");
  private static final String BOB = Tokens.hs256(SECRET, "bob");
  private static final String ADMIN = Tokens.admin(SECRET);

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWT_SECRET", SECRET,
                "FORGE_CORS_ORIGINS", "https://app.example.com",
                "FORGE_WORKER_CONCURRENCY", "1",
                "FORGE_MIN_BODY_BYTES_PER_SECOND", "100000"));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String upload(String token, byte[] data) {
    String url = location(http.as(token).tryCreate(data.length, "filename " + b64("a.bin")));
    assertThat(http.as(token).patch(url, 0, data).statusCode()).isEqualTo(204);
    return url;
  }


  @Test
  void another_user_gets_404_on_every_door_to_an_upload_and_the_owner_and_admins_get_in() {
    byte[] data = new byte[3000];
    new java.util.Random(1).nextBytes(data);
    String url = location(http.as(ALICE).tryCreate(data.length, null));
    assertThat(http.as(ALICE).patch(url, 0, java.util.Arrays.copyOf(data, 1000)).statusCode())
        .isEqualTo(204);
    String id = TusHttp.id(url);
    String missing = server.filesUrl() + UUID.randomUUID();

    // tus: HEAD, PATCH, GET, DELETE
    assertThat(http.as(BOB).head(url).statusCode()).isEqualTo(404);
    HttpResponse<byte[]> bobPatch = http.as(BOB).patch(url, 1000, new byte[10]);
    assertThat(bobPatch.statusCode()).isEqualTo(404);
    assertThat(text(bobPatch)).isEqualTo(text(http.as(BOB).patch(missing, 0, new byte[10])));
    assertThat(http.as(BOB).get(url).statusCode()).isEqualTo(404);
    assertThat(http.as(BOB).delete(url).statusCode()).isEqualTo(404);
    // API: one upload, timeline, content (header and query token), retry, delete
    String api = "/api/v1/uploads/" + id;
    for (String path : List.of(api, api + "/timeline", api + "/content")) {
      HttpResponse<byte[]> r = http.as(BOB).get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(json(r).get("code").asText()).isEqualTo("not_found");
    }
    assertThat(http.get(api + "/content?access_token=" + BOB).statusCode()).isEqualTo(404);
    assertThat(http.as(BOB).postJson(api + "/retry", "").statusCode()).isEqualTo(404);
    assertThat(http.as(BOB).delete(api).statusCode()).isEqualTo(404);
    // bob's list holds none of alice's uploads
    String bobsOwn = upload(BOB, new byte[10]);
    JsonNode bobList = json(http.as(BOB).get("/api/v1/uploads?limit=500"));
    List<String> bobIds = new ArrayList<>();
    bobList.get("items").forEach(n -> bobIds.add(n.get("id").asText()));
    assertThat(bobIds).contains(TusHttp.id(bobsOwn)).doesNotContain(id);
    bobList.get("items").forEach(n -> assertThat(n.get("owner").asText()).isEqualTo("bob"));
    // a final upload cannot be built from someone else's partial upload
    HttpResponse<byte[]> part = http.as(ALICE).tryCreatePartial(5, null);
    HttpResponse<byte[]> steal = http.as(BOB).tryCreateFinal(null, location(part));
    assertThat(steal.statusCode()).isEqualTo(400);
    assertThat(text(steal)).contains("does not exist");

    // nothing bob did changed alice's upload
    HttpResponse<byte[]> head = http.as(ALICE).head(url);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Upload-Offset")).hasValue("1000");
    assertThat(http.as(ALICE).patch(url, 1000, java.util.Arrays.copyOfRange(data, 1000, 3000))
        .statusCode()).isEqualTo(204);
    // the owner and an admin get the bytes
    assertThat(http.as(ALICE).get(api + "/content").body()).isEqualTo(data);
    assertThat(http.get(api + "/content?access_token=" + ALICE).body()).isEqualTo(data);
    assertThat(http.as(ADMIN).get(api + "/content").body()).isEqualTo(data);
    JsonNode adminView = json(http.as(ADMIN).get(api));
    assertThat(adminView.get("owner").asText()).isEqualTo("alice");
    // an access_token in the query is accepted only where a header cannot be sent
    assertThat(http.get(api + "?access_token=" + ALICE).statusCode()).isEqualTo(401);
  }

  @Test
  void the_event_stream_shows_a_user_only_their_own_uploads() throws Exception {
    try (TusHttp.EventStream bobStream = http.events("/api/v1/events?access_token=" + BOB);
        TusHttp.EventStream adminStream = http.events("/api/v1/events?access_token=" + ADMIN)) {
      Thread.sleep(500); // subscribed
      String alices = TusHttp.id(upload(ALICE, new byte[2000]));
      String bobs = TusHttp.id(upload(BOB, new byte[2000]));
      Thread.sleep(1500);
      assertThat(String.join("\n", bobStream.lines())).contains(bobs).doesNotContain(alices);
      assertThat(String.join("\n", adminStream.lines())).contains(bobs).contains(alices);
    }
  }

  @Test
  void missing_forged_expired_and_unsigned_tokens_get_401() {
    var future = Tokens.claims("alice", Duration.ofMinutes(5));
    List<String> bad =
        List.of(
            "garbage",
            "a.b.c",
            Tokens.unsigned(future.build()), // alg=none
            Tokens.hs256("another-secret-another-secret-0123456789", future.build()),
            Tokens.hs256(SECRET, Tokens.claims("alice", Duration.ofMinutes(-5)).build()),
            Tokens.hs256(SECRET, new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("a").build()),
            tamper(ALICE, "alice", "admin"),
            "fu_not-a-key");
    for (String token : bad) {
      HttpResponse<byte[]> r = http.as(token).tryCreate(10, null);
      assertThat(r.statusCode()).as(token).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""))
          .contains("invalid_token");
      assertThat(http.as(token).get("/api/v1/uploads").statusCode()).isEqualTo(401);
    }
    HttpResponse<byte[]> none = http.tryCreate(10, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"forgeupload\"");
    assertThat(text(none)).doesNotContain("Exception").doesNotContain("at dev.");
    // public: health, UI, tus discovery
    assertThat(http.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(http.send(http.tus("/files/").method("OPTIONS",
        HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(204);
    assertThat(http.as(ALICE).tryCreate(10, null).statusCode()).isEqualTo(201);
  }

  @Test
  void path_tricks_do_not_reach_a_protected_servlet_without_a_credential() {
    for (String path :
        List.of(
            "/api;x/v1/uploads", "/api/v1;x/uploads", "/%61pi/v1/uploads", "/api/v1/./uploads",
            "//api/v1/uploads", "/metrics;x", "/%6detrics", "/files;x/", "/api/v1/me;x")) {
      HttpResponse<byte[]> r = http.get(path);
      assertThat(r.statusCode()).as(path).isIn(400, 401, 404);
      assertThat(text(r)).as(path).doesNotContain("\"items\"").doesNotContain("jvm_");
    }
    // the tus engine honours X-HTTP-Method-Override on any method, OPTIONS included
    for (String override : List.of("POST", "PATCH", "DELETE", "HEAD", "GET")) {
      String target = override.equals("POST") ? "/files/" : "/files/" + UUID.randomUUID();
      HttpResponse<byte[]> r =
          http.send(http.tus(target)
              .header("X-HTTP-Method-Override", override)
              .header("Upload-Length", "1")
              .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
              .build());
      assertThat(r.statusCode()).as("OPTIONS as %s", override).isEqualTo(401);
    }
    HttpResponse<byte[]> post =
        http.send(http.tus("/files;x/").header("Upload-Length", "1")
            .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(post.statusCode()).isIn(400, 401, 404);
  }

  @Test
  void read_only_endpoints_answer_other_methods_with_405_not_a_5xx() {
    // found by AuthPropertiesIT: PATCH /metrics was a 501 (HttpServlet's answer to unknown methods)
    for (String path : List.of("/metrics", "/healthz", "/readyz", "/", "/admin/")) {
      HttpResponse<byte[]> r =
          http.send(http.as(ADMIN).tus(path).method("PATCH", HttpRequest.BodyPublishers.noBody())
              .build());
      assertThat(r.statusCode()).as(path).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).as(path).isPresent();
    }
    HttpResponse<byte[]> head =
        http.send(http.as(ADMIN).tus("/api/v1/events").method("HEAD",
            HttpRequest.BodyPublishers.noBody()).build());
    assertThat(head.statusCode()).isEqualTo(405);
  }

  /** Swaps a word inside the token's payload and keeps the signature: must not verify. */
  private static String tamper(String jwt, String from, String to) {
    String[] p = jwt.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8);
    String forged =
        Base64.getUrlEncoder().withoutPadding()
            .encodeToString(payload.replace(from, to).getBytes(StandardCharsets.UTF_8));
    return p[0] + "." + forged + "." + p[2];
  }

  @Test
  void api_keys_are_shown_once_stored_as_hashes_scoped_and_dead_once_revoked() throws Exception {
    HttpResponse<byte[]> denied =
        http.as(ALICE).postJson("/api/v1/api-keys", "{\"owner\":\"alice\",\"scope\":\"admin\"}");
    assertThat(denied.statusCode()).isEqualTo(403);
    HttpResponse<byte[]> created =
        http.as(ADMIN).postJson("/api/v1/api-keys",
            "{\"owner\":\"carol\",\"scope\":\"upload\",\"name\":\"laptop\"}");
    assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
    String key = json(created).get("key").asText();
    String keyId = json(created).get("id").asText();
    assertThat(key).startsWith("fu_").hasSizeGreaterThan(40);

    String url = upload(key, new byte[100]);
    JsonNode mine = json(http.as(key).get("/api/v1/uploads/" + TusHttp.id(url)));
    assertThat(mine.get("owner").asText()).isEqualTo("carol");
    assertThat(http.as(key).get("/api/v1/api-keys").statusCode()).isEqualTo(403);
    assertThat(http.as(key).get("/api/v1/audit").statusCode()).isEqualTo(403);
    assertThat(http.as(key).get("/api/v1/stats").statusCode()).isEqualTo(403);
    assertThat(json(http.as(key).get("/api/v1/me")).get("subject").asText()).isEqualTo("carol");

    String listed = text(http.as(ADMIN).get("/api/v1/api-keys"));
    assertThat(listed).contains(keyId).contains("laptop").doesNotContain(key);
    try (Connection c = DriverManager.getConnection(server.databaseUrl(), "postgres", null);
        ResultSet rs =
            c.createStatement().executeQuery("SELECT * FROM api_keys WHERE id = '" + keyId + "'")) {
      assertThat(rs.next()).isTrue();
      for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
        assertThat(String.valueOf(rs.getObject(i))).doesNotContain(key.substring(3));
      }
      assertThat(rs.getString("key_hash")).hasSize(64);
    }

    HttpResponse<byte[]> revoked = http.as(ADMIN).delete("/api/v1/api-keys/" + keyId);
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(json(revoked).get("revoked_at").isNull()).isFalse();
    assertThat(http.as(key).head(url).statusCode()).isEqualTo(401);
    assertThat(http.as(key).tryCreate(10, null).statusCode()).isEqualTo(401);
    assertThat(http.as(ADMIN).delete("/api/v1/api-keys/" + UUID.randomUUID()).statusCode())
        .isEqualTo(404);
    assertThat(http.as(ADMIN).postJson("/api/v1/api-keys", "{\"owner\":\"a\\u0000b\"}")
        .statusCode()).isEqualTo(400);
    assertThat(http.as(ADMIN).postJson("/api/v1/api-keys", "[1]").statusCode()).isEqualTo(400);
    assertThat(http.as(ADMIN).get("/api/v1/audit?actor=%00").statusCode()).isEqualTo(400);
  }

  @Test
  void the_audit_log_says_who_created_finished_downloaded_and_deleted_what_from_where() {
    String url = upload(ALICE, "audited".getBytes(StandardCharsets.UTF_8));
    String id = TusHttp.id(url);
    assertThat(http.as(ALICE).get("/api/v1/uploads/" + id + "/content").statusCode()).isEqualTo(200);
    assertThat(http.as(ALICE).delete(url).statusCode()).isEqualTo(204);

    JsonNode log = json(http.as(ADMIN).get("/api/v1/audit?upload_id=" + id));
    List<String> actions = new ArrayList<>();
    log.get("items").forEach(n -> {
      actions.add(n.get("action").asText());
      assertThat(n.get("actor").asText()).isEqualTo("alice");
      assertThat(n.get("address").asText()).isEqualTo("127.0.0.1");
      assertThat(n.get("at").asText()).isNotBlank();
    });
    assertThat(actions)
        .containsExactly(
            "upload.deleted", "upload.downloaded", "upload.finished", "upload.created");
    assertThat(http.as(ADMIN).get("/api/v1/audit?upload_id=nope").statusCode()).isEqualTo(400);

    // creation-with-upload that carries every byte: created and finished, in that order
    byte[] body = "all at once".getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> once =
        http.send(http.as(ALICE).tus("/files/")
            .header("Upload-Length", Integer.toString(body.length))
            .header("Content-Type", TusHttp.OCTET)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
    assertThat(once.statusCode()).isEqualTo(201);
    JsonNode onceLog = json(http.as(ADMIN).get("/api/v1/audit?upload_id=" + TusHttp.id(location(once))));
    List<String> onceActions = new ArrayList<>();
    onceLog.get("items").forEach(n -> onceActions.add(n.get("action").asText()));
    assertThat(onceActions).containsExactly("upload.finished", "upload.created");
    assertThat(onceLog.get("items").get(0).get("detail").get("bytes").asLong())
        .isEqualTo(body.length);
  }

  @Test
  void cors_answers_the_configured_origin_with_the_tus_headers_exposed_and_no_other() {
    HttpResponse<byte[]> pre =
        http.send(
            http.plain("/files/")
                .header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers",
                    "authorization,tus-resumable,upload-length,upload-metadata")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(pre.statusCode()).isLessThan(300);
    assertThat(pre.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue("https://app.example.com");
    assertThat(pre.headers().firstValue("Access-Control-Allow-Methods").orElse(""))
        .contains("PATCH");
    assertThat(pre.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
        .contains("authorization").contains("upload-metadata");

    HttpResponse<byte[]> post =
        http.send(
            http.as(ALICE).tus("/files/")
                .header("Origin", "https://app.example.com")
                .header("Upload-Length", "5")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(post.statusCode()).isEqualTo(201);
    String exposed = post.headers().firstValue("Access-Control-Expose-Headers").orElse("");
    for (String h :
        List.of("Location", "Upload-Offset", "Upload-Length", "Upload-Metadata",
            "Upload-Defer-Length", "Upload-Concat", "Upload-Expires", "Tus-Version",
            "Tus-Resumable", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm")) {
      assertThat(exposed).contains(h);
    }
    HttpResponse<byte[]> evil =
        http.send(
            http.plain("/files/")
                .header("Origin", "https://evil.example.net")
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void a_body_trickling_in_slower_than_the_minimum_rate_is_cut_off_keeping_what_arrived()
      throws Exception {
    String url = location(http.as(ALICE).tryCreate(1_000_000, null));
    long started = System.nanoTime();
    try (RawHttp.Connection c =
        new RawHttp(server.baseUrl())
            .request("PATCH", RawHttp.target(url))
            .host("x")
            .header("Tus-Resumable", "1.0.0")
            .header("Authorization", "Bearer " + ALICE)
            .header("Upload-Offset", "0")
            .header("Content-Type", TusHttp.OCTET)
            .header("Content-Length", "1000000")
            .keepAlive()
            .open()) {
      c.write(new byte[300_000]);
      boolean cut = false;
      for (int i = 0; i < 100 && !cut; i++) {
        try {
          c.write(new byte[10]);
          if (c.answered()) {
            cut = true;
          }
          TimeUnit.MILLISECONDS.sleep(250);
        } catch (UncheckedIOException e) {
          cut = true;
        }
      }
      assertThat(cut).as("the server cut the trickling body off").isTrue();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    HttpResponse<byte[]> head = http.as(ALICE).head(url);
    assertThat(Long.parseLong(head.headers().firstValue("Upload-Offset").orElseThrow()))
        .isBetween(300_000L, 310_000L);
  }
}
