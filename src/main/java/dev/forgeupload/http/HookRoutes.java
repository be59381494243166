package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.route;

import dev.forgeupload.core.HookDeliveries;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /api/v1/hooks/deliveries}: the notifications sent to the hook receiver, pending,
 * delivered or failed (given up after the retry window), and redelivering one; admin only.
 */
final class HookRoutes {
  private static final Set<String> STATES = Set.of("pending", "delivered", "failed");

  private final HookDeliveries deliveries;

  HookRoutes(HookDeliveries deliveries) {
    this.deliveries = deliveries;
  }

  List<ApiServlet.Route> routes() {
    return List.of(
        route("GET", "/hooks/deliveries", "/hooks/deliveries", (m, q, r) -> list(q, r)),
        route("POST", "/hooks/deliveries/{id}/redeliver",
            "/hooks/deliveries/" + ApiServlet.ID + "/redeliver",
            (m, q, r) -> redeliver(m.group(1), q, r)));
  }

  private void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ApiJson.admin(req);
    int limit = ApiJson.intParam(req, "limit", 100, 1, 500);
    String state = req.getParameter("state");
    if (state != null && !STATES.contains(state)) {
      throw new IllegalArgumentException("state must be one of pending, delivered, failed");
    }
    String upload = req.getParameter("upload_id");
    UUID uploadId = upload == null ? null : UploadIds.parse(upload)
        .orElseThrow(() -> new IllegalArgumentException("upload_id is not an upload id"));
    Long before = cursor(req.getParameter("cursor"));
    List<HookDeliveries.View> items = deliveries.list(uploadId, state, before, limit);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", items.stream().map(HookRoutes::json).toList());
    body.put("next_cursor",
        items.size() == limit ? Long.toString(items.get(items.size() - 1).seq()) : null);
    write(resp, 200, body);
  }

  private void redeliver(String id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    ApiJson.admin(req);
    UUID deliveryId = UploadIds.parse(id)
        .orElseThrow(() -> new UploadException(Problem.NOT_FOUND, "no such delivery"));
    HookDeliveries.View v = deliveries.redeliver(deliveryId)
        .orElseThrow(() -> new UploadException(Problem.NOT_FOUND, "no such delivery"));
    write(resp, 202, json(v));
  }

  private static Long cursor(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      long n = Long.parseLong(raw);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("cursor must be a next_cursor from an earlier page");
  }

  private static Map<String, Object> json(HookDeliveries.View v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", v.id().toString());
    m.put("event", v.event());
    m.put("upload_id", v.uploadId().toString());
    m.put("state", v.state());
    m.put("attempts", v.attempts());
    m.put("last_status", v.lastStatus());
    m.put("last_error", v.lastError());
    m.put("created_at", time(v.createdAt()));
    m.put("delivered_at", time(v.deliveredAt()));
    return m;
  }

  private static String time(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
