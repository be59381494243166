package dev.forgeupload.security;

import static dev.forgeupload.security.Http.json;
import static dev.forgeupload.security.Http.location;
import static dev.forgeupload.security.Http.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
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
import java.util.concurrent.CompletableFuture;
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
  private static Http http;
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
    http = new Http(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String upload(String token, byte[] data) {
    String url = location(http.create(token, data.length, "filename " + b64("a.bin")));
    assertThat(http.patch(token, url, 0, data).statusCode()).isEqualTo(204);
    return url;
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String idOf(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  @Test
  void another_user_gets_404_on_every_door_to_an_upload_and_the_owner_and_admins_get_in() {
    byte[] data = new byte[3000];
    new java.util.Random(1).nextBytes(data);
    String url = location(http.create(ALICE, data.length, null));
    assertThat(http.patch(ALICE, url, 0, java.util.Arrays.copyOf(data, 1000)).statusCode())
        .isEqualTo(204);
    String id = idOf(url);
    String missing = server.filesUrl() + UUID.randomUUID();

    // tus: HEAD, PATCH, GET, DELETE
    assertThat(http.head(BOB, url).statusCode()).isEqualTo(404);
    HttpResponse<byte[]> bobPatch = http.patch(BOB, url, 1000, new byte[10]);
    assertThat(bobPatch.statusCode()).isEqualTo(404);
    assertThat(text(bobPatch)).isEqualTo(text(http.patch(BOB, missing, 0, new byte[10])));
    assertThat(http.get(BOB, url).statusCode()).isEqualTo(404);
    assertThat(http.delete(BOB, url).statusCode()).isEqualTo(404);
    // API: one upload, timeline, content (header and query token), retry, delete
    String api = "/api/v1/uploads/" + id;
    for (String path : List.of(api, api + "/timeline", api + "/content")) {
      HttpResponse<byte[]> r = http.get(BOB, path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(json(r).get("code").asText()).isEqualTo("not_found");
    }
    assertThat(http.get(null, api + "/content?access_token=" + BOB).statusCode()).isEqualTo(404);
    assertThat(http.postJson(BOB, api + "/retry", "").statusCode()).isEqualTo(404);
    assertThat(http.delete(BOB, api).statusCode()).isEqualTo(404);
    // bob's list holds none of alice's uploads
    String bobsOwn = upload(BOB, new byte[10]);
    JsonNode bobList = json(http.get(BOB, "/api/v1/uploads?limit=500"));
    List<String> bobIds = new ArrayList<>();
    bobList.get("items").forEach(n -> bobIds.add(n.get("id").asText()));
    assertThat(bobIds).contains(idOf(bobsOwn)).doesNotContain(id);
    bobList.get("items").forEach(n -> assertThat(n.get("owner").asText()).isEqualTo("bob"));
    // a final upload cannot be built from someone else's partial upload
    HttpResponse<byte[]> part =
        http.send(
            http.req("/files/", ALICE)
                .header("Upload-Length", "5")
                .header("Upload-Concat", "partial")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    HttpResponse<byte[]> steal =
        http.send(
            http.req("/files/", BOB)
                .header("Upload-Concat", "final;" + location(part))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(steal.statusCode()).isEqualTo(400);
    assertThat(text(steal)).contains("does not exist");

    // nothing bob did changed alice's upload
    HttpResponse<byte[]> head = http.head(ALICE, url);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Upload-Offset")).hasValue("1000");
    assertThat(http.patch(ALICE, url, 1000, java.util.Arrays.copyOfRange(data, 1000, 3000))
        .statusCode()).isEqualTo(204);
    // the owner and an admin get the bytes
    assertThat(http.get(ALICE, api + "/content").body()).isEqualTo(data);
    assertThat(http.get(null, api + "/content?access_token=" + ALICE).body()).isEqualTo(data);
    assertThat(http.get(ADMIN, api + "/content").body()).isEqualTo(data);
    JsonNode adminView = json(http.get(ADMIN, api));
    assertThat(adminView.get("owner").asText()).isEqualTo("alice");
    // an access_token in the query is accepted only where a header cannot be sent
    assertThat(http.get(null, api + "?access_token=" + ALICE).statusCode()).isEqualTo(401);
  }

  @Test
  void the_event_stream_shows_a_user_only_their_own_uploads() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    List<String> bobLines = new ArrayList<>();
    List<String> adminLines = new ArrayList<>();
    CompletableFuture<Void> bobStream = stream(client, BOB, bobLines);
    CompletableFuture<Void> adminStream = stream(client, ADMIN, adminLines);
    Thread.sleep(500); // subscribed
    String alices = idOf(upload(ALICE, new byte[2000]));
    String bobs = idOf(upload(BOB, new byte[2000]));
    Thread.sleep(1500);
    bobStream.cancel(true);
    adminStream.cancel(true);
    synchronized (bobLines) {
      assertThat(String.join("\n", bobLines)).contains(bobs).doesNotContain(alices);
    }
    synchronized (adminLines) {
      assertThat(String.join("\n", adminLines)).contains(bobs).contains(alices);
    }
  }

  private static CompletableFuture<Void> stream(HttpClient c, String token, List<String> into) {
    HttpRequest r =
        HttpRequest.newBuilder(
                URI.create(server.baseUrl() + "/api/v1/events?access_token=" + token))
            .GET()
            .build();
    return c.sendAsync(r, HttpResponse.BodyHandlers.ofInputStream())
        .thenAccept(
            resp -> {
              try (InputStream in = resp.body();
                  BufferedReader br =
                      new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = br.readLine()) != null) {
                  synchronized (into) {
                    into.add(line);
                  }
                }
              } catch (Exception e) {
                // cancelled
              }
            });
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
      HttpResponse<byte[]> r = http.create(token, 10, null);
      assertThat(r.statusCode()).as(token).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""))
          .contains("invalid_token");
      assertThat(http.get(token, "/api/v1/uploads").statusCode()).isEqualTo(401);
    }
    HttpResponse<byte[]> none = http.create(null, 10, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"forgeupload\"");
    assertThat(text(none)).doesNotContain("Exception").doesNotContain("at dev.");
    // public: health, UI, tus discovery
    assertThat(http.get(null, "/healthz").statusCode()).isEqualTo(200);
    assertThat(http.send(http.req("/files/", null).method("OPTIONS",
        HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(204);
    assertThat(http.create(ALICE, 10, null).statusCode()).isEqualTo(201);
  }

  @Test
  void path_tricks_do_not_reach_a_protected_servlet_without_a_credential() {
    for (String path :
        List.of(
            "/api;x/v1/uploads", "/api/v1;x/uploads", "/%61pi/v1/uploads", "/api/v1/./uploads",
            "//api/v1/uploads", "/metrics;x", "/%6detrics", "/files;x/", "/api/v1/me;x")) {
      HttpResponse<byte[]> r = http.get(null, path);
      assertThat(r.statusCode()).as(path).isIn(400, 401, 404);
      assertThat(text(r)).as(path).doesNotContain("\"items\"").doesNotContain("jvm_");
    }
    // the tus engine honours X-HTTP-Method-Override on any method, OPTIONS included
    for (String override : List.of("POST", "PATCH", "DELETE", "HEAD", "GET")) {
      String target = override.equals("POST") ? "/files/" : "/files/" + UUID.randomUUID();
      HttpResponse<byte[]> r =
          http.send(http.req(target, null)
              .header("X-HTTP-Method-Override", override)
              .header("Upload-Length", "1")
              .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
              .build());
      assertThat(r.statusCode()).as("OPTIONS as %s", override).isEqualTo(401);
    }
    HttpResponse<byte[]> post =
        http.send(http.req("/files;x/", null).header("Upload-Length", "1")
            .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(post.statusCode()).isIn(400, 401, 404);
  }

  @Test
  void read_only_endpoints_answer_other_methods_with_405_not_a_5xx() {
    // found by AuthPropertiesIT: PATCH /metrics was a 501 (HttpServlet's answer to unknown methods)
    for (String path : List.of("/metrics", "/healthz", "/readyz", "/", "/admin/")) {
      HttpResponse<byte[]> r =
          http.send(http.req(path, ADMIN).method("PATCH", HttpRequest.BodyPublishers.noBody())
              .build());
      assertThat(r.statusCode()).as(path).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).as(path).isPresent();
    }
    HttpResponse<byte[]> head =
        http.send(http.req("/api/v1/events", ADMIN).method("HEAD",
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
        http.postJson(ALICE, "/api/v1/api-keys", "{\"owner\":\"alice\",\"scope\":\"admin\"}");
    assertThat(denied.statusCode()).isEqualTo(403);
    HttpResponse<byte[]> created =
        http.postJson(ADMIN, "/api/v1/api-keys",
            "{\"owner\":\"carol\",\"scope\":\"upload\",\"name\":\"laptop\"}");
    assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
    String key = json(created).get("key").asText();
    String keyId = json(created).get("id").asText();
    assertThat(key).startsWith("fu_").hasSizeGreaterThan(40);

    String url = upload(key, new byte[100]);
    JsonNode mine = json(http.get(key, "/api/v1/uploads/" + idOf(url)));
    assertThat(mine.get("owner").asText()).isEqualTo("carol");
    assertThat(http.get(key, "/api/v1/api-keys").statusCode()).isEqualTo(403);
    assertThat(http.get(key, "/api/v1/audit").statusCode()).isEqualTo(403);
    assertThat(http.get(key, "/api/v1/stats").statusCode()).isEqualTo(403);
    assertThat(json(http.get(key, "/api/v1/me")).get("subject").asText()).isEqualTo("carol");

    String listed = text(http.get(ADMIN, "/api/v1/api-keys"));
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

    HttpResponse<byte[]> revoked = http.delete(ADMIN, "/api/v1/api-keys/" + keyId);
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(json(revoked).get("revoked_at").isNull()).isFalse();
    assertThat(http.head(key, url).statusCode()).isEqualTo(401);
    assertThat(http.create(key, 10, null).statusCode()).isEqualTo(401);
    assertThat(http.delete(ADMIN, "/api/v1/api-keys/" + UUID.randomUUID()).statusCode())
        .isEqualTo(404);
    assertThat(http.postJson(ADMIN, "/api/v1/api-keys", "{\"owner\":\"a\\u0000b\"}")
        .statusCode()).isEqualTo(400);
    assertThat(http.postJson(ADMIN, "/api/v1/api-keys", "[1]").statusCode()).isEqualTo(400);
    assertThat(http.get(ADMIN, "/api/v1/audit?actor=%00").statusCode()).isEqualTo(400);
  }

  @Test
  void the_audit_log_says_who_created_finished_downloaded_and_deleted_what_from_where() {
    String url = upload(ALICE, "audited".getBytes(StandardCharsets.UTF_8));
    String id = idOf(url);
    assertThat(http.get(ALICE, "/api/v1/uploads/" + id + "/content").statusCode()).isEqualTo(200);
    assertThat(http.delete(ALICE, url).statusCode()).isEqualTo(204);

    JsonNode log = json(http.get(ADMIN, "/api/v1/audit?upload_id=" + id));
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
    assertThat(http.get(ADMIN, "/api/v1/audit?upload_id=nope").statusCode()).isEqualTo(400);

    // creation-with-upload that carries every byte: created and finished, in that order
    byte[] body = "all at once".getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> once =
        http.send(http.req("/files/", ALICE)
            .header("Upload-Length", Integer.toString(body.length))
            .header("Content-Type", Http.OCTET)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
    assertThat(once.statusCode()).isEqualTo(201);
    JsonNode onceLog = json(http.get(ADMIN, "/api/v1/audit?upload_id=" + idOf(location(once))));
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
            HttpRequest.newBuilder(URI.create(server.filesUrl()))
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
            http.req("/files/", ALICE)
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
            HttpRequest.newBuilder(URI.create(server.filesUrl()))
                .header("Origin", "https://evil.example.net")
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void a_body_trickling_in_slower_than_the_minimum_rate_is_cut_off_keeping_what_arrived()
      throws Exception {
    String url = location(http.create(ALICE, 1_000_000, null));
    URI u = URI.create(url);
    long started = System.nanoTime();
    try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(20_000);
      var out = s.getOutputStream();
      out.write(("PATCH " + u.getPath() + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
          + "Authorization: Bearer " + ALICE + "\r\nUpload-Offset: 0\r\n"
          + "Content-Type: " + Http.OCTET + "\r\nContent-Length: 1000000\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[300_000]);
      out.flush();
      boolean cut = false;
      for (int i = 0; i < 100 && !cut; i++) {
        try {
          out.write(new byte[10]);
          out.flush();
          if (s.getInputStream().available() > 0) {
            cut = true;
          }
          TimeUnit.MILLISECONDS.sleep(250);
        } catch (java.io.IOException e) {
          cut = true;
        }
      }
      assertThat(cut).as("the server cut the trickling body off").isTrue();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    HttpResponse<byte[]> head = http.head(ALICE, url);
    assertThat(Long.parseLong(head.headers().firstValue("Upload-Offset").orElseThrow()))
        .isBetween(300_000L, 310_000L);
  }
}
