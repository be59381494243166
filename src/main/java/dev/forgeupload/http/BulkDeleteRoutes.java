package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.route;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.Uploads;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code POST /api/v1/uploads/delete} with {@code {"ids": [...]}} (1 to 1,000 ids): each id is
 * deleted like {@code DELETE /api/v1/uploads/{id}} (someone else's, unknown or malformed: 404; an
 * upload a request holds: 409) and answered on its own, in the order given.
 */
final class BulkDeleteRoutes {
  static final int MAX_IDS = 1000;
  /** 1,000 quoted canonical ids with commas and some white space fit. */
  private static final int MAX_BODY_BYTES = 64 * 1024;
  /** Each id waits this long at most for its lock: one busy upload must not stall the batch. */
  private static final Duration LOCK_WAIT = Duration.ofMillis(200);

  private final Uploads uploads;
  private final UploadLocks locks;
  private final AuditLog audit;

  BulkDeleteRoutes(Uploads uploads, UploadLocks locks, AuditLog audit) {
    this.uploads = uploads;
    this.locks = locks;
    this.audit = audit;
  }

  List<ApiServlet.Route> routes() {
    return List.of(route("POST", "/uploads/delete", "/uploads/delete", (m, q, r) -> delete(q, r)));
  }

  static List<String> ids(JsonNode body) {
    JsonNode ids = body.get("ids");
    if (ids == null || !ids.isArray()) {
      throw new IllegalArgumentException("ids must be an array of upload ids");
    }
    if (ids.isEmpty() || ids.size() > MAX_IDS) {
      throw new IllegalArgumentException("ids must hold 1 to " + MAX_IDS + " upload ids");
    }
    List<String> out = new ArrayList<>(ids.size());
    for (JsonNode n : ids) {
      if (!n.isTextual()) {
        throw new IllegalArgumentException("every entry of ids must be a string");
      }
      out.add(n.asText());
    }
    return out;
  }

  private void delete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    List<String> ids = ids(ApiJson.readJson(req, false, MAX_BODY_BYTES));
    Principal p = RequestPrincipal.of(req);
    List<Map<String, Object>> results = new ArrayList<>(ids.size());
    for (String raw : ids) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", raw);
      try {
        deleteOne(p, raw, req.getRemoteAddr());
        r.put("status", 204);
        r.put("code", null);
      } catch (UploadException e) {
        r.put("status", e.problem() == Problem.LOCKED ? 409 : e.status());
        r.put("code", e.code());
      }
      results.add(r);
    }
    write(resp, 200, Map.of("results", results));
  }

  private void deleteOne(Principal p, String raw, String address) throws IOException {
    Optional<UUID> id = UploadIds.parse(raw);
    if (id.isEmpty()
        || uploads.lifecycle().find(id.get()).filter(u -> p.canSee(u.owner())).isEmpty()) {
      throw UploadException.notFound();
    }
    try (UploadLocks.Lock lock =
        locks.acquire(id.get(), LOCK_WAIT).orElseThrow(UploadException::locked)) {
      uploads.lifecycle().terminate(id.get());
    }
    audit.record(p, AuditLog.Action.UPLOAD_DELETED, id.get(), address, Map.of("bulk", true));
  }
}
