package dev.forgeupload.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.ThrottledProxy;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Sync jobs end to end against a real server (Jetty, PostgreSQL, Redis, S3Proxy): a nested folder
 * is mirrored with the right counts and bytes, a file changed while it is read is read again, a
 * rescan uploads exactly what changed, and folders and patterns that try to escape are refused.
 * S3 is reached through a {@link ThrottledProxy} (16 MiB/s) so that a read takes long enough to change
 * the file in the middle of it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SyncJobsIT {
  private static final int MIB = 1 << 20;

  private static Path root;
  private static Path outside;
  private static ThrottledProxy proxy;
  private static TestServer server;
  private static SyncApi api;
  private static MinioClient minio;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory("sync-root").toRealPath();
    outside = Files.createTempDirectory("sync-outside").toRealPath();
    EmbeddedS3 s3 = TestS3.get();
    proxy = ThrottledProxy.to(s3.endpoint(), 16L * MIB);
    Map<String, String> env = new HashMap<>();
    env.put("FORGE_SYNC_ROOTS", root.toString());
    env.put("FORGE_SYNC_CONCURRENCY", "3");
    env.put("FORGE_S3_ENDPOINT", proxy.url());
    env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
    env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
    env.put("FORGE_S3_PART_BYTES", Integer.toString(5 * MIB));
    server = TestServer.start(env);
    api = new SyncApi(new TusHttp(server.baseUrl()));
    minio =
        MinioClient.builder()
            .endpoint(s3.endpoint())
            .credentials(s3.accessKey(), s3.secretKey())
            .region("us-east-1")
            .build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void a_nested_folder_is_mirrored_with_the_right_counts_and_every_object_equals_its_file()
      throws Exception {
    Path tree = root.resolve("tree");
    Map<String, byte[]> want = new TreeMap<>();
    want.put("top.csv", write(tree, "top.csv", TestData.randomBytes(1000, 1)));
    want.put("a/one.csv", write(tree, "a/one.csv", TestData.randomBytes(70_000, 2)));
    want.put("a/b/two.csv", write(tree, "a/b/two.csv", TestData.randomBytes(3 * MIB, 3)));
    want.put("a/b/c/three.csv", write(tree, "a/b/c/three.csv", "x,y\n1,2\n".getBytes()));
    want.put("a/b/spaced näme.csv", write(tree, "a/b/spaced näme.csv", TestData.randomBytes(99, 10)));
    want.put(".hidden/h.csv", write(tree, ".hidden/h.csv", TestData.randomBytes(10, 4)));
    want.put("empty.csv", write(tree, "empty.csv", new byte[0]));
    want.put("big.csv", write(tree, "big.csv", TestData.randomBytes(24 * MIB, 5)));
    write(tree, "notes.txt", TestData.randomBytes(500, 6)); // no match
    write(tree, "a/b/skip.json", TestData.randomBytes(500, 7)); // no match
    // links: to a file outside every root (skipped), to a folder outside (skipped), to a file
    // inside the root but outside the job's folder (followed)
    write(outside, "secret.csv", "secret".getBytes());
    write(outside, "dir/x.csv", "secret too".getBytes());
    Files.createSymbolicLink(tree.resolve("link-out.csv"), outside.resolve("secret.csv"));
    Files.createSymbolicLink(tree.resolve("link-dir"), outside.resolve("dir"));
    byte[] shared = write(root, "shared/in.csv", TestData.randomBytes(2000, 8));
    Files.createSymbolicLink(tree.resolve("link-in.csv"), root.resolve("shared/in.csv"));
    want.put("link-in.csv", shared);

    try (TusHttp.EventStream events = api.http.events("/api/v1/events")) {
      JsonNode job = api.create(tree.toString(), "**/*.csv");
      String id = job.path("id").asText();
      assertThat(job.path("state").asText()).isEqualTo("pending");
      assertThat(job.path("source_folder").asText()).isEqualTo(tree.toString());
      assertThat(job.path("pattern").asText()).isEqualTo("**/*.csv");

      // change big.csv while it is being read (24 MiB at 16 MiB/s: about 1.5 s)
      Poll.until("big.csv in progress", Duration.ofSeconds(30), Duration.ofMillis(10),
          () -> api.files(id).get("big.csv"),
          f -> f != null && f.path("state").asText().equals("in_progress"));
      Poll.sleep(300);
      JsonNode reading = api.files(id).get("big.csv");
      byte[] tail = TestData.randomBytes(MIB, 9);
      try (OutputStream out =
          Files.newOutputStream(tree.resolve("big.csv"), StandardOpenOption.APPEND)) {
        out.write(tail);
      }
      want.put("big.csv", Files.readAllBytes(tree.resolve("big.csv")));
      assertThat(api.files(id).get("big.csv").path("state").asText())
          .as("still being read when it changed").isEqualTo("in_progress");

      JsonNode done = api.awaitState(id, "completed", Duration.ofSeconds(60));
      long totalBytes = want.values().stream().mapToLong(b -> b.length).sum();
      assertThat(done.path("total_files").asLong()).isEqualTo(want.size());
      assertThat(done.path("completed_files").asLong()).isEqualTo(want.size());
      assertThat(done.path("failed_files").asLong()).isZero();
      assertThat(done.path("total_bytes").asLong()).isEqualTo(totalBytes);
      assertThat(done.path("done_bytes").asLong()).isEqualTo(totalBytes);
      assertThat(done.path("progress").asDouble()).isEqualTo(1.0);
      assertThat(done.path("last_scan_at").isNull()).isFalse();

      Map<String, JsonNode> files = api.files(id, 3); // pages of 3: the cursor too
      assertThat(files.keySet()).containsExactlyInAnyOrderElementsOf(want.keySet());
      for (Map.Entry<String, byte[]> e : want.entrySet()) {
        JsonNode f = files.get(e.getKey());
        String key = "sync/" + id + "/" + e.getKey();
        assertThat(f.path("state").asText()).as(e.getKey()).isEqualTo("uploaded");
        assertThat(f.path("size").asLong()).as(e.getKey()).isEqualTo(e.getValue().length);
        assertThat(f.path("storage_key").asText()).isEqualTo(key);
        assertThat(f.path("sha256").asText()).isEqualTo(TestData.sha256(e.getValue()));
        assertThat(f.path("deleted_at").isNull()).isTrue();
        assertThat(object(key)).as("object %s equals its file", key).isEqualTo(e.getValue());
        String upload = f.path("upload_id").asText();
        TusHttp.Download d = api.http.download("/api/v1/uploads/" + upload + "/content");
        assertThat(d.status()).isEqualTo(200);
        assertThat(d.sha256()).isEqualTo(TestData.sha256(e.getValue()));
      }
      assertThat(reading.path("upload_id").asText())
          .as("big.csv was read again within its upload, not uploaded twice")
          .isEqualTo(files.get("big.csv").path("upload_id").asText());

      // each file version is an ordinary upload: listed, stored, audited, counted, streamed
      List<JsonNode> uploads = api.uploadsOf(id);
      assertThat(uploads).hasSize(want.size());
      for (JsonNode u : uploads) {
        assertThat(u.path("state").asText()).isEqualTo("stored");
        String path = u.path("metadata").path("sync_path").asText();
        assertThat(u.path("length").asLong()).isEqualTo(want.get(path).length);
        assertThat(u.path("filename").asText()).isEqualTo(path.substring(path.lastIndexOf('/') + 1));
      }
      Set<String> ids = uploads.stream().map(u -> u.path("id").asText()).collect(Collectors.toSet());
      JsonNode audit = api.http.getJson("/api/v1/audit?action=upload.finished&limit=1000");
      Set<String> audited = stream(audit.path("items")).map(a -> a.path("upload_id").asText())
          .collect(Collectors.toSet());
      assertThat(audited).containsAll(ids);
      JsonNode stats = api.http.getJson("/api/v1/stats");
      assertThat(stats.path("storage").path("stored_objects").asLong())
          .isGreaterThanOrEqualTo(want.size());
      Poll.until("stored events of every version on the stream", Duration.ofSeconds(10),
          events::lines,
          lines -> ids.stream().allMatch(
              u -> lines.stream().anyMatch(l -> l.contains(u) && l.contains("\"stored\""))));
    }
  }

  @Test
  void a_rescan_uploads_exactly_the_changed_and_the_new_file_and_keeps_the_old_version()
      throws Exception {
    Path dir = root.resolve("rescan");
    for (int i = 0; i < 6; i++) {
      write(dir, "d" + (i % 2) + "/f" + i + ".bin", TestData.randomBytes(40_000 + i, 100 + i));
    }
    byte[] before = write(dir, "d0/change-me.bin", TestData.randomBytes(50_000, 200));
    write(dir, "touch-me.bin", TestData.randomBytes(30_000, 201));
    write(dir, "delete-me.bin", TestData.randomBytes(30_000, 202));
    String id = api.create(dir.toString(), null).path("id").asText();
    api.awaitState(id, "completed", Duration.ofSeconds(60));
    Map<String, JsonNode> first = api.files(id);
    assertThat(first).hasSize(9);
    assertThat(api.uploadsOf(id)).hasSize(9);
    String oldUpload = first.get("d0/change-me.bin").path("upload_id").asText();

    byte[] after = TestData.randomBytes(60_000, 300);
    Files.write(dir.resolve("d0/change-me.bin"), after);
    byte[] added = write(dir, "d1/new.bin", TestData.randomBytes(20_000, 301));
    Path touched = dir.resolve("touch-me.bin");
    Files.setLastModifiedTime(touched, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Files.delete(dir.resolve("delete-me.bin"));

    JsonNode scanned = api.scan(id);
    assertThat(scanned.path("state").asText()).isIn("in_progress", "completed");
    JsonNode done = api.awaitState(id, "completed", Duration.ofSeconds(60));
    assertThat(done.path("total_files").asLong()).as("the deleted file counts no more").isEqualTo(9);
    assertThat(done.path("completed_files").asLong()).isEqualTo(9);

    List<JsonNode> uploads = api.uploadsOf(id);
    assertThat(uploads).as("exactly two new uploads: the changed file and the new one").hasSize(11);
    Map<String, JsonNode> now = api.files(id);
    for (String path : first.keySet()) {
      if (!path.equals("d0/change-me.bin")) {
        assertThat(now.get(path).path("upload_id").asText())
            .as("%s was not uploaded again", path)
            .isEqualTo(first.get(path).path("upload_id").asText());
      }
    }
    JsonNode changed = now.get("d0/change-me.bin");
    assertThat(changed.path("upload_id").asText()).isNotEqualTo(oldUpload);
    assertThat(object("sync/" + id + "/d0/change-me.bin")).isEqualTo(after);
    assertThat(object("sync/" + id + "/d1/new.bin")).isEqualTo(added);
    assertThat(now.get("touch-me.bin").path("mtime").asText())
        .as("the new time is recorded, the same bytes are not uploaded again")
        .isEqualTo(Files.getLastModifiedTime(touched).toInstant().toString());

    // the previous version is still an upload of its own, with its own bytes
    JsonNode old = api.http.uploadJson(oldUpload);
    assertThat(old.path("state").asText()).isEqualTo("stored");
    assertThat(old.path("storage_key").asText())
        .isEqualTo("sync-versions/" + id + "/" + oldUpload + "/d0/change-me.bin");
    TusHttp.Download d = api.http.download("/api/v1/uploads/" + oldUpload + "/content");
    assertThat(d.sha256()).isEqualTo(TestData.sha256(before));

    // the deleted file is marked, its object stays
    JsonNode gone = now.get("delete-me.bin");
    assertThat(gone.path("deleted_at").isNull()).isFalse();
    assertThat(object(gone.path("storage_key").asText())).hasSize(30_000);
  }

  @Test
  void a_scan_that_cannot_read_the_folder_says_why_until_a_scan_succeeds() throws Exception {
    Path dir = root.resolve("vanishing");
    write(dir, "a.bin", TestData.randomBytes(10_000, 400));
    String id = api.create(dir.toString(), null).path("id").asText();
    JsonNode done = api.awaitState(id, "completed", Duration.ofSeconds(60));
    assertThat(done.path("last_scan_error").isNull()).as("%s", done).isTrue();

    Path away = root.resolve("vanishing-moved");
    Files.move(dir, away);
    api.scan(id);
    JsonNode failed = awaitScanError(id, true);
    assertThat(failed.path("last_scan_error").asText()).isEqualTo("the folder does not exist");
    assertThat(api.files(id)).as("a failed scan marks no file gone").hasSize(1);
    assertThat(api.files(id).get("a.bin").path("deleted_at").isNull()).isTrue();

    Files.move(away, dir);
    api.scan(id);
    JsonNode back = awaitScanError(id, false);
    assertThat(back.path("state").asText()).isEqualTo("completed");
  }

  /** The job once its last scan failed ({@code failed}), or succeeded after a failure. */
  private static JsonNode awaitScanError(String id, boolean failed) {
    return Poll.until("last_scan_error " + (failed ? "set" : "cleared"), Duration.ofSeconds(30),
        () -> api.job(id), j -> j.path("last_scan_error").isNull() != failed);
  }

  @Test
  void folders_and_patterns_that_try_to_escape_are_refused_with_a_reason() throws Exception {
    Path inside = Files.createDirectories(root.resolve("ok"));
    write(root, "a-file.txt", "x".getBytes());
    Files.createSymbolicLink(root.resolve("escape"), outside);
    Files.createDirectories(outside.resolve("sub"));
    Map<String, String> folders = new java.util.LinkedHashMap<>();
    folders.put(outside.toString(), "outside FORGE_SYNC_ROOTS");
    folders.put("/etc", "outside FORGE_SYNC_ROOTS");
    folders.put("/", "outside FORGE_SYNC_ROOTS");
    folders.put(root + "/ok/../../" + outside.getFileName(), "outside FORGE_SYNC_ROOTS");
    folders.put(root.resolve("escape").toString(), "symbolic link");
    folders.put(root.resolve("escape/sub").toString(), "symbolic link");
    folders.put("relative/path", "absolute");
    folders.put(root.resolve("missing").toString(), "does not exist");
    folders.put(root.resolve("a-file.txt").toString(), "not a folder");
    folders.put("", "required");
    for (Map.Entry<String, String> f : folders.entrySet()) {
      var r = api.tryCreate(f.getKey(), null);
      assertThat(r.statusCode()).as("folder %s: %s", f.getKey(), TusHttp.text(r)).isEqualTo(400);
      assertThat(TusHttp.json(r).path("message").asText()).contains(f.getValue());
    }
    for (String p : List.of("../*", "../../etc/passwd", "a/../../x", "**/../**", "/etc/*",
        "{a,..}/b", "[abc", "")) {
      var r = api.tryCreate(inside.toString(), p);
      assertThat(r.statusCode()).as("pattern %s: %s", p, TusHttp.text(r)).isEqualTo(400);
      assertThat(TusHttp.json(r).path("message").asText()).startsWith("pattern");
    }
    var notJson = api.http.postJson("/api/v1/sync-jobs", "{\"source_folder\": 7}");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(api.http.get("/api/v1/sync-jobs/" + java.util.UUID.randomUUID()).statusCode())
        .isEqualTo(404);
    assertThat(api.http.get("/api/v1/sync-jobs?cursor=%25%25").statusCode()).isEqualTo(400);
    assertThat(api.http.get("/api/v1/sync-jobs?limit=0").statusCode()).isEqualTo(400);
    // a link inside the root to a folder inside the root is followed
    Files.createSymbolicLink(root.resolve("alias"), inside);
    assertThat(api.tryCreate(root.resolve("alias").toString(), null).statusCode()).isEqualTo(201);
  }

  @Test
  void without_sync_roots_the_routes_do_not_exist() {
    try (TestServer plain = TestServer.start()) {
      TusHttp http = new TusHttp(plain.baseUrl());
      assertThat(http.get("/api/v1/sync-jobs").statusCode()).isEqualTo(404);
      assertThat(http.postJson("/api/v1/sync-jobs", "{\"source_folder\": \"/tmp\"}").statusCode())
          .isEqualTo(404);
    }
  }

  @Test
  void only_admins_may_use_sync_jobs() throws Exception {
    String secret = "sync-jobs-test-secret-of-at-least-32-bytes";
    Map<String, String> env = new HashMap<>();
    env.put("FORGE_SYNC_ROOTS", root.toString());
    env.put("FORGE_AUTH", "token");
    env.put("FORGE_AUTH_JWT_SECRET", secret);
    try (TestServer guarded = TestServer.start(env)) {
      SyncApi user = new SyncApi(new TusHttp(guarded.baseUrl()).as(jwt(secret, "alice", "")));
      SyncApi admin = new SyncApi(new TusHttp(guarded.baseUrl()).as(jwt(secret, "root", "admin")));
      Path folder = Files.createDirectories(root.resolve("guarded"));
      assertThat(user.tryCreate(folder.toString(), null).statusCode()).isEqualTo(403);
      assertThat(user.http.get("/api/v1/sync-jobs").statusCode()).isEqualTo(403);
      JsonNode job = admin.create(folder.toString(), null);
      String id = job.path("id").asText();
      assertThat(user.http.get("/api/v1/sync-jobs/" + id).statusCode()).isEqualTo(403);
      assertThat(user.http.get("/api/v1/sync-jobs/" + id + "/files").statusCode()).isEqualTo(403);
      assertThat(user.http.post("/api/v1/sync-jobs/" + id + "/scan").statusCode()).isEqualTo(403);
      assertThat(user.http.delete("/api/v1/sync-jobs/" + id).statusCode()).isEqualTo(403);
      assertThat(new TusHttp(guarded.baseUrl()).get("/api/v1/sync-jobs").statusCode())
          .isEqualTo(401);
      assertThat(admin.http.delete("/api/v1/sync-jobs/" + id).statusCode()).isEqualTo(204);
      assertThat(admin.http.get("/api/v1/sync-jobs/" + id).statusCode())
          .as("a stopped job is gone from the API").isEqualTo(404);
      JsonNode audit = admin.http.getJson("/api/v1/audit?action=sync_job.created");
      assertThat(audit.path("items").get(0).path("actor").asText()).isEqualTo("root");
    }
  }

  private static String jwt(String secret, String sub, String scope) throws Exception {
    java.time.Instant now = java.time.Instant.now();
    com.nimbusds.jwt.SignedJWT t = new com.nimbusds.jwt.SignedJWT(
        new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
        new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(sub).claim("scope", scope)
            .expirationTime(java.util.Date.from(now.plusSeconds(600))).build());
    t.sign(new com.nimbusds.jose.crypto.MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return t.serialize();
  }

  private static byte[] write(Path dir, String rel, byte[] data) throws Exception {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.write(p, data);
    return data;
  }

  private static byte[] object(String key) throws Exception {
    try (InputStream in =
        minio.getObject(GetObjectArgs.builder().bucket(server.bucket()).object(key).build())) {
      return in.readAllBytes();
    }
  }

  private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false);
  }
}
