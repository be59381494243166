package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.ID;
import static dev.forgeupload.http.ApiServlet.route;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.UploadQueries;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.core.Uploads;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;

/**
 * {@code /api/v1/uploads...}: the list, one upload, delete, retry, timeline and content. Someone
 * else's upload is a 404, as if it did not exist.
 */
final class UploadRoutes {
  private final Uploads uploads;
  private final UploadQueries queries;
  private final UploadLocks locks;
  private final ContentResponder content;
  private final AuditLog audit;
  private final Duration lockWait;

  UploadRoutes(
      Uploads uploads, UploadQueries queries, UploadLocks locks, ContentResponder content,
      AuditLog audit, Duration lockWait) {
    this.uploads = uploads;
    this.queries = queries;
    this.locks = locks;
    this.content = content;
    this.audit = audit;
    this.lockWait = lockWait;
  }

  List<ApiServlet.Route> routes() {
    return List.of(
        route("GET", "/uploads", "/uploads", (m, q, r) -> list(q, r)),
        route("GET", "/uploads/{id}", "/uploads/" + ID,
            (m, q, r) -> write(r, 200, UploadJson.of(visible(q, id(m))))),
        route("DELETE", "/uploads/{id}", "/uploads/" + ID, (m, q, r) -> delete(id(m), q, r)),
        route("POST", "/uploads/{id}/retry", "/uploads/" + ID + "/retry",
            (m, q, r) -> retry(id(m), q, r)),
        route("GET", "/uploads/{id}/timeline", "/uploads/" + ID + "/timeline",
            (m, q, r) -> timeline(id(m), q, r)),
        route("GET", "/uploads/{id}/content", "/uploads/" + ID + "/content",
            (m, q, r) -> content(id(m), q, r)),
        route("HEAD", "/uploads/{id}/content", "/uploads/" + ID + "/content",
            (m, q, r) -> content(id(m), q, r)));
  }

  private static UUID id(Matcher m) {
    return UploadIds.parse(m.group(1)).orElseThrow(UploadException::notFound);
  }

  /** The upload if this caller may see it; 404 otherwise, as if it did not exist. */
  private Upload visible(HttpServletRequest req, UUID id) {
    Principal p = RequestPrincipal.of(req);
    return uploads.lifecycle().find(id).filter(u -> p.canSee(u.owner()))
        .orElseThrow(UploadException::notFound);
  }

  private void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    UploadState state = state(req);
    int limit = ApiJson.intParam(req, "limit", 50, 1, 500);
    String q = ApiJson.textParam(req, "q");
    UploadQueries.Sort sort = sort(req);
    boolean ascending = ascending(req);
    UploadQueries.Page page =
        queries.list(
            new UploadQueries.ListQuery(
                RequestPrincipal.of(req).ownerFilter(),
                state, q, req.getParameter("cursor"), limit, sort, ascending, latest(req)));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", page.items().stream().map(UploadJson::of).toList());
    body.put("next_cursor", page.nextCursor());
    write(resp, 200, body);
  }

  private static UploadState state(HttpServletRequest req) {
    String stateParam = req.getParameter("state");
    if (stateParam == null || stateParam.isBlank()) {
      return null;
    }
    try {
      return UploadState.fromDb(stateParam);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("state '" + stateParam + "' is not a state");
    }
  }

  private static UploadQueries.Sort sort(HttpServletRequest req) {
    return switch (req.getParameter("sort") == null ? "created" : req.getParameter("sort")) {
      case "created" -> UploadQueries.Sort.CREATED;
      case "size" -> UploadQueries.Sort.SIZE;
      default -> throw new IllegalArgumentException("sort must be created or size");
    };
  }

  private static boolean latest(HttpServletRequest req) {
    return switch (req.getParameter("latest") == null ? "false" : req.getParameter("latest")) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("latest must be true or false");
    };
  }

  private static boolean ascending(HttpServletRequest req) {
    return switch (req.getParameter("order") == null ? "desc" : req.getParameter("order")) {
      case "asc" -> true;
      case "desc" -> false;
      default -> throw new IllegalArgumentException("order must be asc or desc");
    };
  }

  private void timeline(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    List<Map<String, Object>> items =
        queries.timeline(id).stream()
            .map(
                c -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("state", c.state().dbName());
                  m.put("error", c.error());
                  m.put("at", c.at().toInstant().toString());
                  return m;
                })
            .toList();
    write(resp, 200, Map.of("items", items));
  }

  private void delete(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    try (UploadLocks.Lock lock =
        locks.acquire(id, lockWait).orElseThrow(UploadException::locked)) {
      uploads.lifecycle().terminate(id);
    }
    audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_DELETED, id,
        req.getRemoteAddr(), null);
    resp.setStatus(204);
  }

  private void retry(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    Upload u = uploads.lifecycle().retry(id);
    audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_RETRIED, id,
        req.getRemoteAddr(), null);
    write(resp, 202, UploadJson.of(u));
  }

  private void content(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    content.send(uploads.lifecycle().current(id), req, resp);
  }
}
