package dev.forgeupload.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Small uploads that arrive whole in their creation request keep their bytes in PostgreSQL with
 * their row ({@code inline_bodies}, FORGE_INLINE_MAX_BYTES): no staging file, read back for
 * downloads and by the worker, removed once stored or terminated. Bodies that do not bring the
 * whole upload, or uploads over the limit, are staged on disk as before.
 */
class InlineBodiesIT {
  private static final int LIMIT = 4096;

  private static TestServer server(String workers) {
    return TestServer.start(Map.of(
        "FORGE_WORKER_CONCURRENCY", workers, "FORGE_INLINE_MAX_BYTES", Integer.toString(LIMIT)));
  }

  private static byte[] inlineBody(TestServer s, String id) throws Exception {
    try (Connection c = DriverManager.getConnection(s.databaseUrl(), "postgres", "");
        PreparedStatement ps =
            c.prepareStatement("select bytes from inline_bodies where upload_id = ?")) {
      ps.setObject(1, UUID.fromString(id));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBytes(1) : null;
      }
    }
  }

  private static Path staged(TestServer s, String id) {
    return s.dataDir().resolve("staging").resolve(id + ".bin");
  }

  private static String created(HttpResponse<byte[]> r) {
    assertThat(r.statusCode()).as(TusHttp.text(r)).isEqualTo(201);
    return r.headers().firstValue("Location").orElseThrow();
  }

  @Test
  void a_whole_small_body_is_kept_with_its_row_served_and_removed_on_delete() throws Exception {
    try (TestServer s = server("0")) {
      TusHttp tus = new TusHttp(s.baseUrl());
      byte[] body = TestData.randomBytes(LIMIT, 1);
      String url = created(tus.tryCreateWithBody(body, TestData.meta("a.bin", null), null));
      String id = TusHttp.id(url);

      assertThat(inlineBody(s, id)).as("kept with the row").isEqualTo(body);
      assertThat(staged(s, id)).as("no staging file").doesNotExist();
      assertThat(tus.state(id)).isEqualTo("queued");
      assertThat(tus.get(url).body()).isEqualTo(body);
      HttpResponse<byte[]> range = tus.getWith(url, "Range", "bytes=10-19");
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.body()).isEqualTo(Arrays.copyOfRange(body, 10, 20));

      assertThat(tus.delete(url).statusCode()).isEqualTo(204);
      assertThat(inlineBody(s, id)).as("removed with the upload").isNull();
    }
  }

  @Test
  void a_body_short_of_its_length_or_over_the_limit_is_staged_on_disk() throws Exception {
    try (TestServer s = server("0")) {
      TusHttp tus = new TusHttp(s.baseUrl());
      byte[] all = TestData.randomBytes(1000, 2);
      HttpResponse<byte[]> r = tus.send(tus.tus("/files/")
          .header("Upload-Length", "1000")
          .header("Content-Type", TusHttp.OCTET)
          .POST(HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(all, 300))));
      String shortUrl = created(r);
      String shortId = TusHttp.id(shortUrl);
      assertThat(r.headers().firstValue("Upload-Offset")).hasValue("300");
      assertThat(inlineBody(s, shortId)).isNull();
      assertThat(Files.size(staged(s, shortId))).isEqualTo(300);
      assertThat(tus.patch(shortUrl, 300, Arrays.copyOfRange(all, 300, 1000)).statusCode())
          .isEqualTo(204);
      assertThat(tus.get(shortUrl).body()).isEqualTo(all);

      byte[] big = TestData.randomBytes(LIMIT + 1, 3);
      String bigId = TusHttp.id(created(tus.tryCreateWithBody(big, null, null)));
      assertThat(inlineBody(s, bigId)).isNull();
      assertThat(Files.readAllBytes(staged(s, bigId))).isEqualTo(big);
    }
  }

  @Test
  void the_worker_stores_an_inline_body_and_drops_it() throws Exception {
    try (TestServer s = server("1")) {
      TusHttp tus = new TusHttp(s.baseUrl());
      byte[] body = TestData.randomBytes(2000, 4);
      String url = created(tus.tryCreateWithBody(body, TestData.meta("b.bin", null), null));
      String id = TusHttp.id(url);
      tus.awaitState(id, "stored", Duration.ofSeconds(60));
      assertThat(tus.get(url).body()).as("from the stored object").isEqualTo(body);
      assertThat(tus.uploadJson(id).path("sha256").asText())
          .isEqualTo(TestData.sha256(body));
      assertThat(inlineBody(s, id)).as("dropped once stored").isNull();
    }
  }
}
