package dev.forgeupload.tus;

import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TestData.randomBytes;
import static dev.forgeupload.testing.TusHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The admin REST API: list with cursors, filters, one upload, delete, JSON errors. */
class AdminApiIT {
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

  private static String api(String path) {
    return server.baseUrl() + "/api/v1" + path;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String named(String filename, long length) {
    return tus.create(length, "filename " + b64(filename));
  }

  @Test
  void list_pages_through_all_uploads_with_a_cursor_without_duplicates() {
    String token = "page" + UUID.randomUUID().toString().substring(0, 8);
    Set<String> created = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      created.add(TusHttp.id(named(token + "-" + i + ".txt", 10 + i)));
    }

    List<String> seen = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String cursor = null;
    JsonNode page;
    int guard = 0;
    do {
      String url = api("/uploads?limit=3&q=" + enc(token))
          + (cursor == null ? "" : "&cursor=" + enc(cursor));
      HttpResponse<byte[]> r = tus.get(url);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
      page = json(r);
      pageSizes.add(page.get("items").size());
      page.get("items").forEach(item -> seen.add(item.get("id").asText()));
      assertThat(page.has("next_cursor")).isTrue();
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
    } while (cursor != null && ++guard < 10);

    assertThat(pageSizes).containsExactly(3, 3, 1);
    assertThat(seen).doesNotHaveDuplicates().hasSize(7);
    assertThat(new HashSet<>(seen)).isEqualTo(created);
    assertThat(page.get("next_cursor").isNull()).isTrue();
  }

  @Test
  void list_filters_by_state() {
    String token = "state" + UUID.randomUUID().toString().substring(0, 8);
    String keep1 = TusHttp.id(named(token + "-a.bin", 5));
    String keep2 = TusHttp.id(named(token + "-b.bin", 5));
    String gone = TusHttp.id(named(token + "-c.bin", 5));
    assertThat(tus.send(tus.plain(api("/uploads/" + gone)).DELETE()).statusCode()).isEqualTo(204);

    JsonNode deleted = json(tus.get(api("/uploads?state=deleted&q=" + token)));
    JsonNode uploading = json(tus.get(api("/uploads?state=uploading&q=" + token)));

    assertThat(ids(deleted)).containsExactly(gone);
    assertThat(ids(uploading)).containsExactlyInAnyOrder(keep1, keep2);
    deleted.get("items").forEach(i -> assertThat(i.get("state").asText()).isEqualTo("deleted"));
    uploading.get("items").forEach(i -> assertThat(i.get("state").asText()).isEqualTo("uploading"));
  }

  @Test
  void list_searches_by_filename_case_insensitively() {
    String token = "Needle" + UUID.randomUUID().toString().substring(0, 8);
    String hit = TusHttp.id(named("report-" + token + "-final.pdf", 5));
    named("unrelated-" + UUID.randomUUID() + ".pdf", 5);

    JsonNode r = json(tus.get(api("/uploads?q=" + enc(token.toLowerCase()))));

    assertThat(ids(r)).containsExactly(hit);
  }

  @Test
  void get_one_upload_returns_every_documented_field() {
    byte[] data = randomBytes(30, 1);
    String url =
        tus.create(
            100,
            "filename " + b64("photo.png") + ",filetype " + b64("image/png") + ",album " + b64("x"));
    assertThat(tus.patch(url, 0, data).statusCode()).isEqualTo(204);
    String id = TusHttp.id(url);

    HttpResponse<byte[]> r = tus.get(api("/uploads/" + id));

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode u = json(r);
    assertThat(iterable(u.fieldNames()))
        .contains(
            "id", "filename", "content_type", "length", "offset", "state", "sha256",
            "storage_key", "metadata", "created_at", "updated_at", "stored_at", "error");
    assertThat(u.get("id").asText()).isEqualTo(id);
    assertThat(u.get("filename").asText()).isEqualTo("photo.png");
    assertThat(u.get("content_type").asText()).isEqualTo("image/png");
    assertThat(u.get("length").asLong()).isEqualTo(100);
    assertThat(u.get("offset").asLong()).isEqualTo(30);
    assertThat(u.get("state").asText()).isEqualTo("uploading");
    assertThat(u.get("metadata").get("album").asText()).isEqualTo("x");
    assertThat(u.get("metadata").get("filename").asText()).isEqualTo("photo.png");
    Instant created = Instant.parse(u.get("created_at").asText());
    Instant updated = Instant.parse(u.get("updated_at").asText());
    assertThat(created).isBefore(Instant.now().plusSeconds(5));
    assertThat(updated).isAfterOrEqualTo(created);
    assertThat(u.get("stored_at").isNull()).isTrue();
    assertThat(u.get("error").isNull()).isTrue();
  }

  @Test
  void delete_removes_the_upload_so_get_shows_deleted_and_content_is_gone() {
    byte[] data = randomBytes(40, 2);
    String url = tus.upload(data, "filename " + b64("doomed.bin"));
    String id = TusHttp.id(url);
    assertThat(tus.get(api("/uploads/" + id + "/content")).body()).isEqualTo(data);

    HttpResponse<byte[]> d =
        tus.send(tus.plain(api("/uploads/" + id)).DELETE());

    assertThat(d.statusCode()).isEqualTo(204);
    JsonNode u = json(tus.get(api("/uploads/" + id)));
    assertThat(u.get("state").asText()).isEqualTo("deleted");
    assertThat(tus.get(api("/uploads/" + id + "/content")).statusCode()).isEqualTo(410);
    assertThat(tus.head(url).statusCode()).isEqualTo(410);
    assertThat(tus.get(url).statusCode()).isEqualTo(410);
  }

  @ParameterizedTest
  @ValueSource(strings = {"limit=0", "limit=-1", "limit=abc", "limit=100000", "cursor=garbage!!", "cursor=bm9wZQ", "state=nonsense",
      // found by the property tests: a time PostgreSQL cannot hold was a 500
      "cursor=dHwrOTk5OTk5OTk5LTEyLTMxVDIzOjU5OjU5Ljk5OTk5OTk5OS0xODowMHw0M2RmOTI1MS1hNjE5LTRjOGEtYjc5OS1hNzllMjkzNzJhNjI",
      // ... and NUL in a search, which PostgreSQL text cannot hold
      "q=%00", "q=a%00b"})
  void bad_list_parameters_return_400_as_json(String query) {
    HttpResponse<byte[]> r = tus.get(api("/uploads?" + query));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    JsonNode e = json(r);
    assertThat(e.get("code").asText()).isNotBlank();
    assertThat(e.get("message").asText()).isNotBlank();
  }

  @Test
  void unknown_or_malformed_upload_id_returns_404_as_json() {
    for (String path :
        List.of(
            "/uploads/" + UUID.randomUUID(),
            "/uploads/" + UUID.randomUUID() + "/content",
            "/uploads/not-a-uuid")) {
      HttpResponse<byte[]> r = tus.get(api(path));
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      JsonNode e = json(r);
      assertThat(e.get("code").asText()).as(path).isNotBlank();
      assertThat(e.get("message").asText()).as(path).isNotBlank();
    }
    HttpResponse<byte[]> d =
        tus.send(tus.plain(api("/uploads/" + UUID.randomUUID())).DELETE());
    assertThat(d.statusCode()).isEqualTo(404);
    assertThat(json(d).get("code").asText()).isNotBlank();
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("items").forEach(i -> ids.add(i.get("id").asText()));
    return ids;
  }

  private static <T> List<T> iterable(java.util.Iterator<T> it) {
    List<T> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }
}
