package dev.forgeupload.objects;

import static dev.forgeupload.objects.ObjectsFixture.objects;
import static dev.forgeupload.objects.ObjectsFixture.sql;
import static dev.forgeupload.objects.ObjectsFixture.token;
import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Deduplication over real HTTP, PostgreSQL and S3Proxy: uploads of equal bytes by two owners
 * share one object; each keeps its own name and metadata; the object goes with its last
 * reference; the reconciler sets wrong counts right and removes objects a crashed delete left.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DedupIT {
  private static final Duration STORED = Duration.ofSeconds(60);
  private static TestServer server;
  private static TusHttp alice;
  private static TusHttp bob;
  private static TusHttp admin;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of(
        "FORGE_AUTH", "token",
        "FORGE_AUTH_JWT_SECRET", ObjectsFixture.SECRET,
        "FORGE_WORKER_CONCURRENCY", "2"));
    TusHttp http = new TusHttp(server.baseUrl());
    alice = http.as(token("alice", null));
    bob = http.as(token("bob", null));
    admin = http.as(token("root", "read admin"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String uploadStored(TusHttp who, byte[] data, String name) {
    String id = TusHttp.id(who.upload(data, meta(name, "application/octet-stream")));
    who.awaitStored(id, STORED);
    return id;
  }

  private static List<Map<String, Object>> objectRows(String sha) {
    return sql(server.databaseUrl(),
        "SELECT key, refcount, length, physical_bytes FROM objects WHERE sha256 = ?", sha);
  }

  private static Map<String, Long> uploadObjects() {
    Map<String, Long> all = objects(server.bucket());
    all.keySet().removeIf(k -> !k.startsWith("uploads/"));
    return all;
  }

  @Test
  void two_owners_share_one_object_until_the_last_of_them_deletes_it() {
    byte[] data = TestData.randomBytes(3 * 1024 * 1024 + 77, 1601);
    String sha = TestData.sha256(data);
    Map<String, Long> before = uploadObjects();

    String a = uploadStored(alice, data, "alice-report.bin");
    String b = uploadStored(bob, data, "bob-copy.bin");

    JsonNode ja = alice.uploadJson(a);
    JsonNode jb = bob.uploadJson(b);
    assertThat(ja.path("sha256").asText()).isEqualTo(sha);
    assertThat(jb.path("sha256").asText()).isEqualTo(sha);
    assertThat(ja.path("filename").asText()).isEqualTo("alice-report.bin");
    assertThat(jb.path("filename").asText()).isEqualTo("bob-copy.bin");
    assertThat(jb.path("length").asLong()).isEqualTo(data.length);
    // nothing in bob's upload names alice's: the shared object's key is not shown to him
    assertThat(jb.path("storage_key").asText()).contains("/" + b + "/bob-copy.bin")
        .doesNotContain(a).doesNotContain("alice");

    Map<String, Long> after = uploadObjects();
    after.keySet().removeAll(before.keySet());
    assertThat(after).as("one object in S3 for both uploads").hasSize(1);
    assertThat(after.values()).containsExactly((long) data.length);
    assertThat(objectRows(sha)).singleElement()
        .satisfies(r -> assertThat(r.get("refcount")).isEqualTo(2));

    assertThat(alice.get("/api/v1/uploads/" + a + "/content").body()).isEqualTo(data);
    assertThat(bob.get("/api/v1/uploads/" + b + "/content").body()).isEqualTo(data);
    HttpAssert.status(bob.get("/api/v1/uploads/" + a + "/content"), 404);

    // the first owner deletes: the object stays for the second
    HttpAssert.status(alice.send(alice.plain("/api/v1/uploads/" + a).DELETE()), 204);
    assertThat(bob.get("/api/v1/uploads/" + b + "/content").body()).isEqualTo(data);
    assertThat(bob.getWith("/api/v1/uploads/" + b + "/content", "Range", "bytes=100-199").body())
        .isEqualTo(java.util.Arrays.copyOfRange(data, 100, 200));
    Map<String, Long> kept = uploadObjects();
    kept.keySet().removeAll(before.keySet());
    assertThat(kept).hasSize(1);
    assertThat(objectRows(sha)).singleElement()
        .satisfies(r -> assertThat(r.get("refcount")).isEqualTo(1));

    // the last reference goes: so does the object
    HttpAssert.status(bob.send(bob.plain("/api/v1/uploads/" + b).DELETE()), 204);
    Map<String, Long> gone = uploadObjects();
    gone.keySet().removeAll(before.keySet());
    assertThat(gone).as("the object went with its last reference").isEmpty();
    assertThat(objectRows(sha)).isEmpty();
  }

  @Test
  void an_upload_of_equal_bytes_answers_the_client_like_any_other() {
    byte[] data = TestData.randomBytes(200_000, 1602);
    uploadStored(alice, data, "first.bin");
    // the second owner sees a normal upload: created, patched, queued, stored, with its own key
    String url = bob.create(data.length, meta("second.bin", null));
    assertThat(bob.patch(url, 0, data).statusCode()).isEqualTo(204);
    JsonNode j = bob.awaitStored(TusHttp.id(url), STORED);
    assertThat(j.path("offset").asLong()).isEqualTo(data.length);
    assertThat(j.path("metadata").path("filename").asText()).isEqualTo("second.bin");
  }

  @Test
  void the_statistics_show_what_deduplication_saved() {
    byte[] data = TestData.randomBytes(500_000, 1603);
    JsonNode before = admin.getJson("/api/v1/stats").path("storage");
    String a = uploadStored(alice, data, "s1.bin");
    String b = uploadStored(bob, data, "s2.bin");
    JsonNode s = admin.getJson("/api/v1/stats").path("storage");
    assertThat(s.path("stored_bytes").asLong() - before.path("stored_bytes").asLong())
        .isEqualTo(2L * data.length);
    assertThat(s.path("physical_bytes").asLong() - before.path("physical_bytes").asLong())
        .isEqualTo(data.length);
    assertThat(s.path("dedup_saved_bytes").asLong() - before.path("dedup_saved_bytes").asLong())
        .isEqualTo(data.length);
    HttpAssert.status(alice.send(alice.plain("/api/v1/uploads/" + a).DELETE()), 204);
    HttpAssert.status(bob.send(bob.plain("/api/v1/uploads/" + b).DELETE()), 204);
  }

  @Test
  void the_reconciler_sets_a_wrong_count_right_and_removes_an_object_a_crashed_delete_left()
      throws Exception {
    byte[] data = TestData.randomBytes(150_000, 1604);
    String sha = TestData.sha256(data);
    String a = uploadStored(alice, data, "r1.bin");
    String b = uploadStored(bob, data, "r2.bin");
    String key = (String) objectRows(sha).get(0).get("key");

    // a count gone wrong (by hand, a bug): put right from the uploads that reference it
    sql(server.databaseUrl(), "UPDATE objects SET refcount = 7 WHERE key = ?", key);
    Poll.until("the reconciler recounts", Duration.ofSeconds(60), Duration.ofMillis(200),
        () -> objectRows(sha).get(0).get("refcount"), n -> Integer.valueOf(2).equals(n));

    // a count too low cannot lose the object: a delete checks the uploads under the row lock
    sql(server.databaseUrl(), "UPDATE objects SET refcount = 0 WHERE key = ?", key);
    HttpAssert.status(alice.send(alice.plain("/api/v1/uploads/" + a).DELETE()), 204);
    assertThat(bob.get("/api/v1/uploads/" + b + "/content").body()).isEqualTo(data);
    assertThat(objects(server.bucket())).containsKey(key);

    // a delete that stopped after the state change and before the object went (as a crash
    // would leave it): the row says deleted, the object is unreferenced; the reconciler removes it
    sql(server.databaseUrl(), "UPDATE uploads SET state = 'deleted' WHERE id = ?",
        UUID.fromString(b));
    Poll.until("the reconciler removes the unreferenced object", Duration.ofSeconds(60),
        Duration.ofMillis(200), () -> objects(server.bucket()).containsKey(key), in -> !in);
    assertThat(objectRows(sha)).isEmpty();
  }
}
