package dev.forgeupload.tus;

import static dev.forgeupload.testing.TestData.b64;
import static dev.forgeupload.testing.TestData.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.testing.Samples;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API the web UI needs: live events, timeline, statistics, size sort, inline preview. */
class ApiForUiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  static TestServer server;
  static TusHttp tus;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    tus = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonNode json(String path) {
    return tus.getJson(path);
  }

  private static JsonNode awaitState(String id, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode u;
    do {
      u = json("/api/v1/uploads/" + id);
      if (u.get("state").asText().equals(state)) {
        return u;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("upload " + id + " never became " + state + ": " + u);
  }

  @Test
  void the_event_stream_carries_every_state_change_of_an_upload() throws Exception {
    TusHttp.EventStream events = tus.events("/api/v1/events");
    HttpResponse<?> resp = events.response();
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    Thread.sleep(300); // the subscription is in place before the upload starts
    String url = tus.upload(randomBytes(5000, 1), "filename " + b64("live.txt"));
    String id = TusHttp.id(url);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    List<String> states = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      states.clear();
      for (String l : events.lines()) {
        if (l.startsWith("data: ") && l.contains(id)) {
          states.add(JSON.readTree(l.substring(6)).get("state").asText());
        }
      }
      if (states.contains("stored")) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(states).containsSubsequence("queued", "storing", "stored");
    events.close();
  }

  @Test
  void the_timeline_lists_the_states_in_order() throws Exception {
    String url = tus.upload(randomBytes(100, 2), null);
    String id = TusHttp.id(url);
    awaitState(id, "stored");
    JsonNode items = json("/api/v1/uploads/" + id + "/timeline").get("items");
    List<String> states = new ArrayList<>();
    items.forEach(i -> states.add(i.get("state").asText()));
    assertThat(states).containsExactly("uploading", "queued", "storing", "stored");
  }

  @Test
  void statistics_count_uploads_bytes_types_and_storage() throws Exception {
    String id =
        TusHttp.id(tus.upload(Samples.png(20, 20), "filetype " + b64("image/png")));
    awaitState(id, "stored");
    JsonNode s = json("/api/v1/stats");
    assertThat(s.get("per_day").size()).isGreaterThanOrEqualTo(1);
    long bytesToday = 0;
    for (JsonNode d : s.get("per_day")) {
      bytesToday += d.get("bytes").asLong();
    }
    assertThat(bytesToday).isGreaterThanOrEqualTo(Samples.png(20, 20).length);
    boolean png = false;
    for (JsonNode t : s.get("by_type")) {
      png |= t.get("content_type").asText().equals("image/png");
    }
    assertThat(png).isTrue();
    assertThat(s.get("storage").get("stored_bytes").asLong())
        .isGreaterThanOrEqualTo(Samples.png(20, 20).length);
    assertThat(s.get("by_state").toString()).contains("stored");
  }

  @Test
  void listing_by_size_pages_through_in_size_order() throws Exception {
    String tag = "sizesort" + System.nanoTime();
    for (int n : new int[] {300, 100, 500, 200, 400}) {
      tus.create(n, "filename " + b64(tag + "-" + n));
    }
    List<Long> sizes = new ArrayList<>();
    String cursor = null;
    do {
      String q =
          "/api/v1/uploads?limit=2&sort=size&order=asc&q=" + tag
              + (cursor == null ? "" : "&cursor=" + cursor);
      JsonNode page = json(q);
      page.get("items").forEach(i -> sizes.add(i.get("length").asLong()));
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
    } while (cursor != null);
    assertThat(sizes).containsExactly(100L, 200L, 300L, 400L, 500L);
    HttpResponse<byte[]> bad = tus.get(server.baseUrl() + "/api/v1/uploads?sort=color");
    assertThat(bad.statusCode()).isEqualTo(400);
  }

  @Test
  void safe_types_preview_inline_only_when_asked_and_html_never() throws Exception {
    String png =
        TusHttp.id(
            tus.upload(Samples.png(4, 4), "filename " + b64("a.png") + ",filetype " + b64("image/png")));
    String html =
        TusHttp.id(
            tus.upload(Samples.text("<html><body><script>alert(1)</script></body></html>"),
                "filename " + b64("a.html") + ",filetype " + b64("text/html")));
    String base = server.baseUrl() + "/api/v1/uploads/";
    assertThat(tus.get(base + png + "/content?inline=1").headers().firstValue("Content-Disposition"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("inline"));
    assertThat(tus.get(base + png + "/content").headers().firstValue("Content-Disposition"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("attachment"));
    HttpResponse<byte[]> h = tus.get(base + html + "/content?inline=1");
    assertThat(h.headers().firstValue("Content-Disposition"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("attachment"));
    assertThat(h.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
  }

  @Test
  void the_openapi_document_is_served() throws Exception {
    JsonNode doc = json("/api/v1/openapi.json");
    assertThat(doc.get("paths").has("/uploads/{id}/content")).isTrue();
  }
}
