package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.ID;
import static dev.forgeupload.http.ApiServlet.route;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.sync.SyncFile;
import dev.forgeupload.sync.SyncJob;
import dev.forgeupload.sync.SyncJobs;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;

/**
 * {@code /api/v1/sync-jobs...}: create, list, show, the files, scan now, stop. Admin only (403
 * for anyone else); served only when {@code FORGE_SYNC_ROOTS} is set (404 otherwise, like any
 * unknown path).
 */
final class SyncJobRoutes {
  private final SyncJobs jobs;

  SyncJobRoutes(SyncJobs jobs) {
    this.jobs = jobs;
  }

  List<ApiServlet.Route> routes() {
    String one = "/sync-jobs/" + ID;
    return List.of(
        route("POST", "/sync-jobs", "/sync-jobs/?", (m, q, r) -> create(q, r)),
        route("GET", "/sync-jobs", "/sync-jobs/?", (m, q, r) -> list(q, r)),
        route("GET", "/sync-jobs/{id}", one, (m, q, r) -> show(m, q, r)),
        route("DELETE", "/sync-jobs/{id}", one, (m, q, r) -> delete(m, q, r)),
        route("GET", "/sync-jobs/{id}/files", one + "/files", (m, q, r) -> files(m, q, r)),
        route("POST", "/sync-jobs/{id}/scan", one + "/scan", (m, q, r) -> scan(m, q, r)));
  }

  private void create(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Principal p = ApiJson.admin(req);
    JsonNode body = ApiJson.readJson(req);
    SyncJob job =
        jobs.create(ApiJson.text(body, "source_folder"), ApiJson.text(body, "pattern"), p,
            req.getRemoteAddr());
    resp.setHeader("Location", "/api/v1/sync-jobs/" + job.id());
    write(resp, 201, json(job));
  }

  private void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ApiJson.admin(req);
    int limit = ApiJson.intParam(req, "limit", 100, 1, 500);
    SyncJobs.Page<SyncJob> page = jobs.list(ApiJson.textParam(req, "cursor"), limit);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", page.items().stream().map(SyncJobRoutes::json).toList());
    body.put("next_cursor", page.nextCursor());
    write(resp, 200, body);
  }

  private void show(Matcher m, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    ApiJson.admin(req);
    write(resp, 200, json(jobs.get(id(m))));
  }

  private void delete(Matcher m, HttpServletRequest req, HttpServletResponse resp) {
    Principal p = ApiJson.admin(req);
    jobs.delete(id(m), p, req.getRemoteAddr());
    resp.setStatus(204);
  }

  private void files(Matcher m, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    ApiJson.admin(req);
    int limit = ApiJson.intParam(req, "limit", 100, 1, 1000);
    SyncJobs.Page<SyncFile> page =
        jobs.files(id(m), ApiJson.textParam(req, "cursor"), state(req), limit);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", page.items().stream().map(SyncJobRoutes::json).toList());
    body.put("next_cursor", page.nextCursor());
    write(resp, 200, body);
  }

  private void scan(Matcher m, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    ApiJson.admin(req);
    write(resp, 200, json(jobs.scan(id(m))));
  }

  private static UUID id(Matcher m) {
    return UploadIds.parse(m.group(1)).orElseThrow(UploadException::notFound);
  }

  private static SyncFile.State state(HttpServletRequest req) {
    String s = req.getParameter("state");
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      return SyncFile.State.fromDb(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "state must be pending, in_progress, uploaded or failed");
    }
  }

  static Map<String, Object> json(SyncJob j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", j.id().toString());
    m.put("source_folder", j.sourceFolder());
    m.put("pattern", j.pattern());
    m.put("state", j.state().apiName());
    m.put("progress", j.progress());
    m.put("total_files", j.totalFiles());
    m.put("completed_files", j.completedFiles());
    m.put("failed_files", j.failedFiles());
    m.put("total_bytes", j.totalBytes());
    m.put("done_bytes", j.doneBytes());
    m.put("created_at", time(j.createdAt()));
    m.put("updated_at", time(j.updatedAt()));
    m.put("last_scan_at", time(j.lastScanAt()));
    m.put("last_scan_error", j.lastScanError());
    return m;
  }

  static Map<String, Object> json(SyncFile f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", f.path());
    m.put("size", f.size());
    m.put("mtime", f.mtime().toString());
    m.put("state", f.state().dbName());
    m.put("upload_id", f.uploadId() == null ? null : f.uploadId().toString());
    m.put("sha256", f.sha256());
    m.put("storage_key", f.storageKey());
    m.put("error", f.error());
    m.put("deleted_at", time(f.deletedAt()));
    return m;
  }

  private static String time(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
