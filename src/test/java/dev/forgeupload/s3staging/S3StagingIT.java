package dev.forgeupload.s3staging;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import io.minio.CreateMultipartUploadArgs;
import io.minio.GetObjectArgs;
import io.minio.ListMultipartUploadsArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioAsyncClient;
import io.minio.Result;
import io.minio.messages.Item;
import io.minio.messages.ListMultipartUploadsResult;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FORGE_STAGING=s3 end to end on an in-process server over real HTTP, real PostgreSQL and the
 * embedded S3 server: uploads are stored from their multipart uploads with the SHA-256 computed
 * as the bytes arrived, and nothing is staged on the node's disk.
 */
class S3StagingIT {
  private static final int MIB = 1 << 20;
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);
  private static TestServer server;
  private static TusHttp tus;
  private static MinioAsyncClient s3;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of(
        "FORGE_STAGING", "s3",
        "FORGE_S3_ORPHAN_SECONDS", "5", // never a multipart upload being created right now
        "FORGE_MAX_UPLOAD_BYTES", Long.toString(64L * MIB),
        "FORGE_CHECKPOINT_SECONDS", "0"));
    tus = new TusHttp(server.baseUrl());
    s3 = MinioAsyncClient.builder().endpoint(TestS3.get().endpoint())
        .credentials(TestS3.get().accessKey(), TestS3.get().secretKey()).region("us-east-1")
        .build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static byte[] object(String key) throws Exception {
    try (InputStream in = s3.getObject(
        GetObjectArgs.builder().bucket(server.bucket()).object(key).build()).get()) {
      return in.readAllBytes();
    }
  }

  private static List<String> keys(String prefix) throws Exception {
    List<String> out = new ArrayList<>();
    for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(server.bucket())
        .prefix(prefix).recursive(true).build())) {
      out.add(r.get().objectName());
    }
    return out;
  }

  /** Multipart uploads in progress whose key contains {@code part}. */
  private static List<String> multipartsWith(String part) throws Exception {
    ListMultipartUploadsResult r = s3.listMultipartUploads(ListMultipartUploadsArgs.builder()
        .bucket(server.bucket()).prefix("uploads/").build()).get().result();
    List<String> out = new ArrayList<>();
    for (ListMultipartUploadsResult.Upload u : r.uploads()) {
      if (u.objectName().contains(part)) {
        out.add(u.objectName());
      }
    }
    return out;
  }

  private static long sql(String query, String id) throws Exception {
    try (Connection c = DriverManager.getConnection(server.databaseUrl(), "postgres", "");
        PreparedStatement s = c.prepareStatement(query)) {
      s.setObject(1, UUID.fromString(id));
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    }
  }

  private static void assertNothingStagedOnDisk() throws Exception {
    Path staging = server.dataDir().resolve("staging");
    if (Files.isDirectory(staging)) {
      try (Stream<Path> files = Files.list(staging)) {
        assertThat(files.toList()).as("files under FORGE_DATA_DIR/staging").isEmpty();
      }
    }
  }

  private static void patchOk(String url, long offset, byte[] data, int from, int count) {
    HttpResponse<byte[]> r = tus.patch(url, offset, data, from, count);
    TusHttp.assertStatus("PATCH at " + offset, r, 204);
    assertThat(r.headers().firstValueAsLong("Upload-Offset")).hasValue(offset + count);
  }

  @Test
  void an_upload_in_several_patches_is_stored_with_its_sha256_and_nothing_on_disk()
      throws Exception {
    byte[] data = TestData.randomBytes(13 * MIB + 4321, 21);
    String url = tus.create(data.length, meta("three.bin", null));
    String id = TusHttp.id(url);
    patchOk(url, 0, data, 0, 3 * MIB);
    patchOk(url, 3 * MIB, data, 3 * MIB, 6 * MIB);
    assertThat(multipartsWith(id)).as("the bytes are in a multipart upload").hasSize(1);
    assertNothingStagedOnDisk();
    patchOk(url, 9 * MIB, data, 9 * MIB, data.length - 9 * MIB);

    JsonNode u = tus.awaitStored(id, STORE_TIMEOUT);

    assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
    assertThat(object(u.path("storage_key").asText())).isEqualTo(data);
    assertThat(tus.download("/api/v1/uploads/" + id + "/content").sha256())
        .isEqualTo(TestData.sha256(data));
    assertThat(multipartsWith(id)).as("completed, not left open").isEmpty();
    Poll.until("tails and rows gone", Duration.ofSeconds(10),
        () -> {
          try {
            return keys("staging/" + id + "/").size() + sql(
                "SELECT count(*) FROM s3_staging WHERE upload_id = ?", id);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, n -> n == 0);
    assertNothingStagedOnDisk();
  }

  @Test
  void patches_alternating_between_two_nodes_that_share_no_disk_make_one_upload()
      throws Exception {
    try (TestServer other = TestServer.start(Map.of("FORGE_STAGING", "s3",
        "FORGE_DATABASE_URL", server.databaseUrl(), "FORGE_REDIS_URL", server.redis().url(),
        "FORGE_S3_BUCKET", server.bucket(), "FORGE_CHECKPOINT_SECONDS", "0"))) {
      assertThat(other.dataDir()).isNotEqualTo(server.dataDir());
      TusHttp[] nodes = {tus, new TusHttp(other.baseUrl())};
      String base0 = server.baseUrl();
      String path = TusHttp.path(tus.create(17 * MIB + 3, meta("both.bin", null)));
      byte[] data = TestData.randomBytes(17 * MIB + 3, 28);
      int[] cuts = {0, 2 * MIB, 6 * MIB + 1, 11 * MIB, 12 * MIB, data.length};
      for (int i = 0; i + 1 < cuts.length; i++) {
        TusHttp node = nodes[i % 2];
        String url = (i % 2 == 0 ? base0 : other.baseUrl()) + path;
        assertThat(nodes[(i + 1) % 2].offset(
            (i % 2 == 0 ? other.baseUrl() : base0) + path)).isEqualTo(cuts[i]);
        HttpResponse<byte[]> r = node.patch(url, cuts[i], data, cuts[i], cuts[i + 1] - cuts[i]);
        TusHttp.assertStatus("PATCH " + i + " on node " + i % 2, r, 204);
      }
      JsonNode u = nodes[1].awaitStored(TusHttp.id(path), STORE_TIMEOUT);
      assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
      assertThat(object(u.path("storage_key").asText())).isEqualTo(data);
    }
  }

  @Test
  void a_deferred_length_upload_takes_its_part_size_from_the_maximum() throws Exception {
    byte[] data = TestData.randomBytes(7 * MIB + 11, 22);
    String url = tus.createDeferred(meta("later.bin", null));
    String id = TusHttp.id(url);
    patchOk(url, 0, data, 0, 6 * MIB);
    HttpResponse<byte[]> last = tus.patch(url, 6 * MIB, data, 6 * MIB, data.length - 6 * MIB,
        Map.of("Upload-Length", Integer.toString(data.length)));
    TusHttp.assertStatus("last PATCH", last, 204);

    JsonNode u = tus.awaitStored(id, STORE_TIMEOUT);
    assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
    assertThat(object(u.path("storage_key").asText())).isEqualTo(data);
  }

  @Test
  void a_checksum_mismatch_leaves_the_offset_and_the_right_body_follows() throws Exception {
    byte[] data = TestData.randomBytes(6 * MIB + 5, 23);
    String url = tus.create(data.length, meta("sum.bin", null));
    String id = TusHttp.id(url);
    patchOk(url, 0, data, 0, 2 * MIB);
    byte[] rest = Arrays.copyOfRange(data, 2 * MIB, data.length);
    byte[] wrong = rest.clone();
    wrong[wrong.length - 1] ^= 1;

    HttpResponse<byte[]> bad = tus.patch(url, 2 * MIB, wrong,
        Map.of("Upload-Checksum", "sha256 " + TestData.checksum("sha256", rest)));
    assertThat(bad.statusCode()).isEqualTo(460);
    assertThat(tus.offset(url)).isEqualTo(2 * MIB);

    HttpResponse<byte[]> good = tus.patch(url, 2 * MIB, rest,
        Map.of("Upload-Checksum", "sha256 " + TestData.checksum("sha256", rest)));
    TusHttp.assertStatus("good PATCH", good, 204);
    JsonNode u = tus.awaitStored(id, STORE_TIMEOUT);
    assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
    assertThat(object(u.path("storage_key").asText())).isEqualTo(data);
  }

  @Test
  void a_checksum_trailer_over_several_parts_is_checked_without_reading_parts_back()
      throws Exception {
    byte[] data = TestData.randomBytes(11 * MIB + 7, 29);
    String url = tus.create(data.length, meta("trailer.bin", null));
    String id = TusHttp.id(url);
    byte[] other = TestData.randomBytes(data.length, 30);
    dev.forgeupload.testing.RawHttp raw = new dev.forgeupload.testing.RawHttp(server.baseUrl());

    dev.forgeupload.testing.RawHttp.Response bad = raw.patch(url, 0)
        .header("Transfer-Encoding", "chunked").header("Trailer", "Upload-Checksum")
        .body(dev.forgeupload.testing.RawHttp.chunked(data, 256 * 1024,
            "Upload-Checksum: sha1 " + TestData.checksum("sha1", other)))
        .send();
    assertThat(bad.status()).as(bad.text()).isEqualTo(460);
    assertThat(tus.offset(url)).isZero();

    dev.forgeupload.testing.RawHttp.Response good = raw.patch(url, 0)
        .header("Transfer-Encoding", "chunked").header("Trailer", "Upload-Checksum")
        .body(dev.forgeupload.testing.RawHttp.chunked(data, 256 * 1024,
            "Upload-Checksum: md5 " + TestData.checksum("md5", data)))
        .send();
    assertThat(good.status()).as(good.text()).isEqualTo(204);
    JsonNode u = tus.awaitStored(id, STORE_TIMEOUT);
    assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
  }

  @Test
  void termination_aborts_the_multipart_upload_and_deletes_the_tail() throws Exception {
    byte[] data = TestData.randomBytes(7 * MIB, 24);
    String url = tus.create(data.length + 100, meta("gone.bin", null));
    String id = TusHttp.id(url);
    patchOk(url, 0, data, 0, data.length);
    assertThat(multipartsWith(id)).hasSize(1);
    assertThat(keys("staging/" + id + "/")).as("the tail").hasSize(1);

    TusHttp.assertStatus("DELETE", tus.delete(url), 204);

    assertThat(multipartsWith(id)).isEmpty();
    assertThat(keys("staging/" + id + "/")).isEmpty();
    assertThat(keys("uploads/").stream().filter(k -> k.contains(id)).toList()).isEmpty();
    assertThat(sql("SELECT count(*) FROM s3_staging WHERE upload_id = ?", id)).isZero();
  }

  @Test
  void the_sweeper_aborts_a_multipart_upload_and_deletes_a_tail_no_row_owns() throws Exception {
    String key = "uploads/2026/12/02/" + UUID.randomUUID() + "/orphan.bin";
    s3.createMultipartUpload(CreateMultipartUploadArgs.builder().bucket(server.bucket())
        .object(key).build()).get();
    assertThat(multipartsWith(key)).hasSize(1);
    String tail = "staging/" + UUID.randomUUID() + "/tail-7-" + UUID.randomUUID();
    s3.putObject(io.minio.PutObjectArgs.builder().bucket(server.bucket()).object(tail)
        .stream(new java.io.ByteArrayInputStream(new byte[7]), 7L, null).build()).get();

    Poll.until("the orphans swept", Duration.ofSeconds(90), () -> {
      try {
        return multipartsWith(key).size() + keys(tail).size();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, n -> n == 0);
  }

  @Test
  void a_small_part_limit_forces_larger_parts() throws Exception {
    try (TestServer two = TestServer.start(Map.of("FORGE_STAGING", "s3",
        "FORGE_S3_MAX_PARTS", "2", "FORGE_CHECKPOINT_SECONDS", "0",
        "FORGE_PUBLIC_URL", "https://uploads.example.test:8443/"))) {
      TusHttp t = new TusHttp(two.baseUrl());
      byte[] data = TestData.randomBytes(15 * MIB + 1, 25);
      String location = t.create(data.length, meta("big-parts.bin", null));
      assertThat(location).as("Location from FORGE_PUBLIC_URL")
          .startsWith("https://uploads.example.test:8443/files/");
      String url = two.baseUrl() + TusHttp.path(location);
      String id = TusHttp.id(url);
      HttpResponse<byte[]> r = t.patch(url, 0, data, 0, 9 * MIB);
      TusHttp.assertStatus("PATCH", r, 204);
      try (Connection c = DriverManager.getConnection(two.databaseUrl(), "postgres", "");
          PreparedStatement s = c.prepareStatement(
              "SELECT part_bytes FROM s3_staging WHERE upload_id = ?")) {
        s.setObject(1, UUID.fromString(id));
        try (ResultSet rs = s.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).as("15 MiB + 1 in two parts").isEqualTo(8L * MIB);
        }
      }
      TusHttp.assertStatus("PATCH", t.patch(url, 9 * MIB, data, 9 * MIB, data.length - 9 * MIB),
          204);
      JsonNode u = t.awaitStored(id, STORE_TIMEOUT);
      assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(data));
    }
  }

  @Test
  void a_final_of_large_parts_is_assembled_in_s3_and_of_small_parts_streamed() throws Exception {
    for (int firstMib : new int[] {6, 1}) {
      byte[] a = TestData.randomBytes(firstMib * MIB + 3, 26);
      byte[] b = TestData.randomBytes(MIB + 9, 27);
      String pa = tus.createPartial(a.length);
      String pb = tus.createPartial(b.length);
      patchOk(pa, 0, a, 0, a.length);
      patchOk(pb, 0, b, 0, b.length);
      String fin = tus.createFinal(TusHttp.path(pa), TusHttp.path(pb));
      String id = TusHttp.id(fin);

      JsonNode u = tus.awaitStored(id, STORE_TIMEOUT);

      byte[] whole = new byte[a.length + b.length];
      System.arraycopy(a, 0, whole, 0, a.length);
      System.arraycopy(b, 0, whole, a.length, b.length);
      assertThat(u.path("sha256").asText()).as("first part %d MiB", firstMib)
          .isEqualTo(TestData.sha256(whole));
      assertThat(object(u.path("storage_key").asText())).isEqualTo(whole);
      String etag = s3.statObject(io.minio.StatObjectArgs.builder().bucket(server.bucket())
          .object(u.path("storage_key").asText()).build()).get().etag();
      if (firstMib >= 5) {
        assertThat(etag).as("put together by S3 from two part copies").endsWith("-2");
      } else {
        assertThat(etag).as("streamed in one PUT").doesNotContain("-");
      }
    }
  }
}
