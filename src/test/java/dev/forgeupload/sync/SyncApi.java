package dev.forgeupload.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TusHttp;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sync-jobs API as the tests drive it (over real HTTP, through {@link TusHttp}). */
final class SyncApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  final TusHttp http;

  SyncApi(TusHttp http) {
    this.http = http;
  }

  /** POST /api/v1/sync-jobs with these fields (a null pattern is left out). */
  HttpResponse<byte[]> tryCreate(String folder, String pattern) {
    ObjectNode body = JSON.createObjectNode();
    body.put("source_folder", folder);
    if (pattern != null) {
      body.put("pattern", pattern);
    }
    return http.postJson("/api/v1/sync-jobs", body.toString());
  }

  JsonNode create(String folder, String pattern) {
    HttpResponse<byte[]> r = tryCreate(folder, pattern);
    TusHttp.assertStatus("create sync job", r, 201);
    return TusHttp.json(r);
  }

  JsonNode job(String id) {
    return http.getJson("/api/v1/sync-jobs/" + id);
  }

  /** Polls until the job is in {@code state}; fails at once on {@code failed} unless that is wanted. */
  JsonNode awaitState(String id, String state, Duration timeout) {
    return Poll.until("sync job " + id + " " + state, timeout, Duration.ofMillis(50),
        () -> job(id),
        j -> {
          String s = j.path("state").asText();
          if (s.equals("failed") && !state.equals("failed")) {
            throw new AssertionError("job failed: " + j + " files: " + files(id));
          }
          return s.equals(state);
        });
  }

  /** Every file of the job, by path (all pages, {@code limit} at a time). */
  Map<String, JsonNode> files(String id, int limit) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    String cursor = null;
    do {
      JsonNode page =
          http.getJson("/api/v1/sync-jobs/" + id + "/files?limit=" + limit
              + (cursor == null ? "" : "&cursor=" + enc(cursor)));
      page.path("items").forEach(f -> out.put(f.path("path").asText(), f));
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
    } while (cursor != null);
    return out;
  }

  Map<String, JsonNode> files(String id) {
    return files(id, 1000);
  }

  JsonNode scan(String id) {
    HttpResponse<byte[]> r = http.post("/api/v1/sync-jobs/" + id + "/scan");
    TusHttp.assertStatus("scan", r, 200);
    return TusHttp.json(r);
  }

  /** Every upload row the API lists whose metadata names this job. */
  List<JsonNode> uploadsOf(String jobId) {
    List<JsonNode> out = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page =
          http.getJson("/api/v1/uploads?limit=500" + (cursor == null ? "" : "&cursor=" + enc(cursor)));
      page.path("items").forEach(
          u -> {
            if (jobId.equals(u.path("metadata").path("sync_job_id").asText())) {
              out.add(u);
            }
          });
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
    } while (cursor != null);
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
