package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.route;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadQueries;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code /api/v1/stats} and {@code /api/v1/audit}: what admins read about everyone. */
final class AdminRoutes {
  private final UploadQueries queries;
  private final AuditLog audit;

  AdminRoutes(UploadQueries queries, AuditLog audit) {
    this.queries = queries;
    this.audit = audit;
  }

  List<ApiServlet.Route> routes() {
    return List.of(
        route("GET", "/stats", "/stats", (m, q, r) -> stats(q, r)),
        route("GET", "/audit", "/audit", (m, q, r) -> audit(q, r)));
  }

  private void stats(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ApiJson.admin(req);
    UploadQueries.Stats s = queries.stats(30);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(
        "per_day",
        s.perDay().stream()
            .map(d -> Map.of("day", d.day(), "uploads", d.uploads(), "bytes", d.bytes()))
            .toList());
    body.put(
        "by_type",
        s.byType().stream()
            .map(
                t ->
                    Map.of(
                        "content_type", t.contentType(), "uploads", t.uploads(), "bytes",
                        t.bytes()))
            .toList());
    body.put(
        "by_state",
        s.byState().entrySet().stream()
            .map(e -> Map.of("state", e.getKey(), "uploads", e.getValue()))
            .toList());
    body.put("storage", storage(s));
    body.put(
        "downloads_per_day",
        s.downloadsPerDay().stream()
            .map(d -> Map.of("day", d.day(), "downloads", d.downloads()))
            .toList());
    body.put(
        "top_downloads",
        s.topDownloads().stream()
            .map(t -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("id", t.id().toString());
              m.put("filename", t.filename());
              m.put("downloads", t.downloads());
              return m;
            })
            .toList());
    write(resp, 200, body);
  }

  /** Logical bytes (the stored uploads' lengths) beside what S3 holds and what was saved. */
  private static Map<String, Object> storage(UploadQueries.Stats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stored_bytes", s.storedBytes());
    m.put("stored_objects", s.storedObjects());
    m.put("physical_bytes", s.storage().physicalBytes());
    m.put("dedup_saved_bytes", s.storage().dedupSavedBytes());
    m.put("compression_saved_bytes", s.storage().compressionSavedBytes());
    return m;
  }

  private void audit(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ApiJson.admin(req);
    int limit = ApiJson.intParam(req, "limit", 100, 1, 1000);
    Long beforeId = before(req);
    String uploadParam = req.getParameter("upload_id");
    UUID uploadId =
        uploadParam == null
            ? null
            : UploadIds.parse(uploadParam)
                .orElseThrow(() -> new IllegalArgumentException("upload_id is not an upload id"));
    List<AuditLog.Entry> entries =
        audit.list(ApiJson.textParam(req, "actor"), uploadId, ApiJson.textParam(req, "action"),
            beforeId, limit);
    List<Map<String, Object>> items = new ArrayList<>();
    for (AuditLog.Entry e : entries) {
      items.add(entryJson(e));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", items);
    body.put("next_before", entries.size() == limit ? entries.get(entries.size() - 1).id() : null);
    write(resp, 200, body);
  }

  private static Long before(HttpServletRequest req) {
    String before = req.getParameter("before");
    if (before == null) {
      return null;
    }
    try {
      return Long.parseLong(before);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("before must be an entry id");
    }
  }

  private static Map<String, Object> entryJson(AuditLog.Entry e) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id());
    m.put("at", e.at().toInstant().toString());
    m.put("actor", e.actor());
    m.put("action", e.action());
    m.put("upload_id", e.uploadId() == null ? null : e.uploadId().toString());
    m.put("address", e.address());
    m.put("detail", e.detail() == null ? null : ApiJson.JSON.readTree(e.detail()));
    return m;
  }
}
