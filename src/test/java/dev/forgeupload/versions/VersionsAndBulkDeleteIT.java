package dev.forgeupload.versions;

import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TusHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.security.Tokens;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Versions and bulk delete over real HTTP with FORGE_AUTH=token: uploads of one owner with one
 * logical name (relativePath, else filename) are versions of one file, listed newest first and
 * each downloadable; {@code ?latest=true} lists one row per file; a bulk delete answers each id
 * like a single delete would.
 */
class VersionsAndBulkDeleteIT {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-versions-secret";
  private static final String ALICE = Tokens.hs256(SECRET, "alice");
  private static final String BOB = Tokens.hs256(SECRET, "bob");
  private static final String ADMIN = Tokens.admin(SECRET);
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String upload(String token, byte[] data, String metadata) {
    HttpResponse<byte[]> r = http.as(token).tryCreateWithBody(data, metadata, null);
    assertThat(r.statusCode()).as(TusHttp.text(r)).isEqualTo(201);
    return TusHttp.id(TusHttp.location(r));
  }

  private static String name(String filename) {
    return "filename " + b64(filename);
  }

  @Test
  void three_uploads_of_one_name_are_three_versions_newest_first_each_downloadable() {
    String file = "notes-" + UUID.randomUUID() + ".txt";
    List<String> ids = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int v = 1; v <= 3; v++) {
      byte[] body = ("version " + v + " of " + file).getBytes(StandardCharsets.UTF_8);
      bodies.add(body);
      ids.add(upload(ALICE, body, name(file)));
    }
    // the same name in a folder (relativePath, as Uppy sends it), and bob's file of that name,
    // are other files; Uppy's "null" relativePath is no folder
    String inFolder = upload(ALICE, new byte[] {1},
        name(file) + ",relativePath " + b64("docs/" + file));
    String uppyNull = upload(ALICE, new byte[] {2}, name(file) + ",relativePath " + b64("null"));
    ids.add(uppyNull);
    bodies.add(new byte[] {2});
    String bobs = upload(BOB, new byte[] {3}, name(file));

    for (String asked : List.of(ids.get(0), ids.get(2), uppyNull)) {
      JsonNode v = json(http.as(ALICE).get("/api/v1/uploads/" + asked + "/versions"));
      assertThat(v.get("logical_name").asText()).isEqualTo(file);
      List<String> listed = new ArrayList<>();
      List<Integer> numbers = new ArrayList<>();
      v.get("items").forEach(i -> {
        listed.add(i.get("id").asText());
        numbers.add(i.get("version").asInt());
      });
      assertThat(listed).containsExactly(ids.get(3), ids.get(2), ids.get(1), ids.get(0));
      assertThat(numbers).containsExactly(4, 3, 2, 1);
    }
    for (int i = 0; i < ids.size(); i++) {
      http.as(ALICE).awaitStored(ids.get(i), java.time.Duration.ofSeconds(60));
      assertThat(http.as(ALICE).get("/api/v1/uploads/" + ids.get(i) + "/content").body())
          .isEqualTo(bodies.get(i));
    }
    JsonNode folder = json(http.as(ALICE).get("/api/v1/uploads/" + inFolder + "/versions"));
    assertThat(folder.get("logical_name").asText()).isEqualTo("docs/" + file);
    assertThat(folder.get("items")).hasSize(1);
    assertThat(json(http.as(BOB).get("/api/v1/uploads/" + bobs + "/versions")).get("items"))
        .hasSize(1);
    assertThat(http.as(BOB).get("/api/v1/uploads/" + ids.get(0) + "/versions").statusCode())
        .isEqualTo(404);
    assertThat(json(http.as(ADMIN).get("/api/v1/uploads/" + ids.get(0) + "/versions"))
        .get("items")).hasSize(4);

    // a deleted version drops out; the others are renumbered
    assertThat(http.as(ALICE).delete("/api/v1/uploads/" + ids.get(3)).statusCode()).isEqualTo(204);
    JsonNode after = json(http.as(ALICE).get("/api/v1/uploads/" + ids.get(0) + "/versions"));
    assertThat(after.get("items").get(0).get("id").asText()).isEqualTo(ids.get(2));
    assertThat(after.get("items").get(0).get("version").asInt()).isEqualTo(3);
  }

  @Test
  void latest_true_lists_one_row_per_file() {
    String q = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> newest = new HashMap<>();
    for (String f : List.of("a", "b", "c")) {
      for (int v = 0; v < 3; v++) {
        newest.put(f, upload(ALICE, new byte[] {(byte) v}, name(q + "-" + f + ".txt")));
      }
    }
    JsonNode all = json(http.as(ALICE).get("/api/v1/uploads?limit=500&q=" + q));
    assertThat(all.get("items")).hasSize(9);
    JsonNode latest = json(http.as(ALICE).get("/api/v1/uploads?limit=500&latest=true&q=" + q));
    Set<String> ids = new HashSet<>();
    latest.get("items").forEach(i -> ids.add(i.get("id").asText()));
    assertThat(ids).containsExactlyInAnyOrderElementsOf(newest.values());
    // paging one at a time gives the same three
    Set<String> paged = new HashSet<>();
    String cursor = null;
    do {
      JsonNode page = json(http.as(ALICE).get("/api/v1/uploads?limit=1&latest=true&q=" + q
          + (cursor == null ? "" : "&cursor=" + cursor)));
      page.get("items").forEach(i -> paged.add(i.get("id").asText()));
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
    } while (cursor != null);
    assertThat(paged).isEqualTo(ids);
    assertThat(http.as(ALICE).get("/api/v1/uploads?latest=yes").statusCode()).isEqualTo(400);
  }

  @Test
  void bulk_delete_of_200_uploads_with_others_and_unknown_ids_answers_each() {
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      mine.add(upload(ALICE, TestData.randomBytes(100, i), name("bulk-" + i + ".bin")));
    }
    String bobs = upload(BOB, new byte[] {1}, name("bob.bin"));
    String unknown = UUID.randomUUID().toString();
    List<String> ids = new ArrayList<>(mine);
    ids.add(100, bobs);
    ids.add(unknown);
    ids.add("not-an-id");
    StringBuilder body = new StringBuilder("{\"ids\":[");
    for (int i = 0; i < ids.size(); i++) {
      body.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
    }
    body.append("]}");
    HttpResponse<byte[]> r = http.as(ALICE).postJson("/api/v1/uploads/delete", body.toString());
    assertThat(r.statusCode()).as(TusHttp.text(r)).isEqualTo(200);
    JsonNode results = json(r).get("results");
    assertThat(results).hasSize(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      JsonNode one = results.get(i);
      String id = ids.get(i);
      assertThat(one.get("id").asText()).isEqualTo(id);
      if (mine.contains(id)) {
        assertThat(one.get("status").asInt()).as(id).isEqualTo(204);
        assertThat(one.get("code").isNull()).isTrue();
      } else {
        assertThat(one.get("status").asInt()).as(id).isEqualTo(404);
        assertThat(one.get("code").asText()).isEqualTo("not_found");
      }
    }
    for (String id : mine) {
      assertThat(http.as(ALICE).state(id)).isEqualTo("deleted");
    }
    assertThat(http.as(BOB).state(bobs)).isNotEqualTo("deleted");
    // deleting again is fine, like a single delete
    HttpResponse<byte[]> again = http.as(ALICE).postJson("/api/v1/uploads/delete",
        "{\"ids\":[\"" + mine.get(0) + "\"]}");
    assertThat(json(again).get("results").get(0).get("status").asInt()).isEqualTo(204);
    JsonNode audit = json(http.as(ADMIN).get("/api/v1/audit?upload_id=" + mine.get(7)));
    assertThat(audit.get("items").get(0).get("action").asText()).isEqualTo("upload.deleted");
  }

  @Test
  void bulk_delete_refuses_no_ids_too_many_ids_and_non_strings() {
    StringBuilder many = new StringBuilder("{\"ids\":[");
    for (int i = 0; i < 1001; i++) {
      many.append(i == 0 ? "" : ",").append('"').append(UUID.randomUUID()).append('"');
    }
    many.append("]}");
    for (String body : List.of("{\"ids\":[]}", "{}", "{\"ids\":\"x\"}", "{\"ids\":[1]}",
        "{\"ids\":[null]}", "[]", many.toString())) {
      HttpResponse<byte[]> r = http.as(ALICE).postJson("/api/v1/uploads/delete", body);
      assertThat(r.statusCode()).as(body.length() > 50 ? "1001 ids" : body).isIn(400, 413);
      assertThat(json(r).get("message").asText()).isNotBlank();
    }
    HttpResponse<byte[]> r = http.as(ALICE).postJson("/api/v1/uploads/delete", many.toString());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("message").asText()).contains("1 to 1000");
    // 1,000 ids are taken (all unknown here: 404 each)
    String thousand = many.toString().replaceFirst("\\[\"[^\"]+\",", "[");
    HttpResponse<byte[]> ok = http.as(ALICE).postJson("/api/v1/uploads/delete", thousand);
    assertThat(ok.statusCode()).as(TusHttp.text(ok)).isEqualTo(200);
    assertThat(json(ok).get("results")).hasSize(1000);
  }
}
