package dev.forgeupload.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.UploadQueries;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.core.UploadState;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin REST API under /api/v1. Routes are a table ({@link #ROUTES}), which the OpenAPI
 * document is checked against.
 */
public final class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "([0-9a-fA-F-]{36})";
  private static final int MAX_JSON_BYTES = 16 * 1024;

  /** One API route: method and path (OpenAPI template form), and how to answer it. */
  public record Route(String method, String template, Pattern pattern, Handler handler) {}

  interface Handler {
    void handle(Matcher m, HttpServletRequest req, HttpServletResponse resp) throws IOException;
  }

  private final transient Uploads uploads;
  private final transient UploadQueries repo;
  private final transient UploadLocks locks;
  private final transient ContentResponder content;
  private final transient ApiKeys apiKeys;
  private final transient AuditLog audit;
  private final Duration lockWait;
  private final transient List<Route> routes;
  private final transient ErrorWriter errors;

  public ApiServlet(
      Uploads uploads,
      UploadQueries repo,
      UploadLocks locks,
      ContentResponder content,
      ApiKeys apiKeys,
      AuditLog audit,
      Duration lockWait,
      ErrorWriter errors) {
    this.apiKeys = apiKeys;
    this.audit = audit;
    this.errors = errors;
    this.uploads = uploads;
    this.repo = repo;
    this.locks = locks;
    this.content = content;
    this.lockWait = lockWait;
    this.routes =
        List.of(
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
                (m, q, r) -> content(id(m), q, r)),
            route("GET", "/stats", "/stats", (m, q, r) -> stats(q, r)),
            route("GET", "/me", "/me", (m, q, r) -> me(q, r)),
            route("GET", "/api-keys", "/api-keys", (m, q, r) -> listKeys(q, r)),
            route("POST", "/api-keys", "/api-keys", (m, q, r) -> createKey(q, r)),
            route("DELETE", "/api-keys/{id}", "/api-keys/" + ID,
                (m, q, r) -> revokeKey(keyId(m), q, r)),
            route("GET", "/audit", "/audit", (m, q, r) -> audit(q, r)),
            route("GET", "/openapi.json", "/openapi.json", (m, q, r) -> openapi(r)));
  }

  private static Route route(String method, String template, String regex, Handler h) {
    return new Route(method, template, Pattern.compile(regex), h);
  }

  /** The routes, for the OpenAPI check (the events stream is served by its own servlet). */
  public List<Route> routes() {
    return routes;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("Cache-Control", "no-store");
    try {
      route(req, resp);
    } catch (UploadException e) {
      errors.api(resp, e);
    } catch (IllegalArgumentException e) {
      errors.api(resp, Problem.BAD_REQUEST, e.getMessage());
    }
  }

  private void route(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
    boolean pathMatched = false;
    for (Route r : routes) {
      Matcher m = r.pattern().matcher(path);
      if (m.matches()) {
        pathMatched = true;
        if (r.method().equals(req.getMethod())) {
          r.handler().handle(m, req, resp);
          return;
        }
      }
    }
    if (pathMatched) {
      throw new UploadException(
          Problem.METHOD_NOT_ALLOWED, req.getMethod() + " is not allowed here");
    }
    throw new UploadException(Problem.NOT_FOUND, "no such endpoint");
  }

  private static UUID id(Matcher m) {
    return UploadIds.parse(m.group(1)).orElseThrow(UploadException::notFound);
  }

  private static UUID keyId(Matcher m) {
    return UploadIds.parse(m.group(1)).orElseThrow(ApiServlet::keyNotFound);
  }

  private static UploadException keyNotFound() {
    return new UploadException(Problem.NOT_FOUND, "API key not found");
  }

  /** The upload if this caller may see it; 404 otherwise, as if it did not exist. */
  private Upload visible(HttpServletRequest req, UUID id) {
    Principal p = RequestPrincipal.of(req);
    return uploads.lifecycle().find(id).filter(u -> p.canSee(u.owner())).orElseThrow(UploadException::notFound);
  }

  private static Principal admin(HttpServletRequest req) {
    Principal p = RequestPrincipal.of(req);
    if (!p.admin()) {
      throw new UploadException(Problem.FORBIDDEN, "this needs the admin scope");
    }
    return p;
  }

  private void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String stateParam = req.getParameter("state");
    UploadState state = null;
    if (stateParam != null && !stateParam.isBlank()) {
      try {
        state = UploadState.fromDb(stateParam);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("state '" + stateParam + "' is not a state");
      }
    }
    int limit = intParam(req, "limit", 50, 1, 500);
    String q = textParam(req, "q");
    UploadQueries.Sort sort =
        switch (req.getParameter("sort") == null ? "created" : req.getParameter("sort")) {
          case "created" -> UploadQueries.Sort.CREATED;
          case "size" -> UploadQueries.Sort.SIZE;
          default -> throw new IllegalArgumentException("sort must be created or size");
        };
    boolean ascending =
        switch (req.getParameter("order") == null ? "desc" : req.getParameter("order")) {
          case "asc" -> true;
          case "desc" -> false;
          default -> throw new IllegalArgumentException("order must be asc or desc");
        };
    UploadQueries.Page page =
        repo.list(
            new UploadQueries.ListQuery(
                RequestPrincipal.of(req).ownerFilter(),
                state, q, req.getParameter("cursor"), limit, sort, ascending));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", page.items().stream().map(UploadJson::of).toList());
    body.put("next_cursor", page.nextCursor());
    write(resp, 200, body);
  }

  private void timeline(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    List<Map<String, Object>> items =
        repo.timeline(id).stream()
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

  private void stats(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    admin(req);
    UploadQueries.Stats s = repo.stats(30);
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
    body.put(
        "storage", Map.of("stored_bytes", s.storedBytes(), "stored_objects", s.storedObjects()));
    write(resp, 200, body);
  }

  private void openapi(HttpServletResponse resp) throws IOException {
    try (InputStream in = ApiServlet.class.getResourceAsStream("/openapi.json")) {
      byte[] body = in.readAllBytes();
      resp.setStatus(200);
      resp.setContentType("application/json");
      resp.setContentLength(body.length);
      resp.getOutputStream().write(body);
    }
  }

  private void delete(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    try (UploadLocks.Lock lock =
        locks.acquire(id, lockWait).orElseThrow(UploadException::locked)) {
      uploads.lifecycle().terminate(id);
    }
    audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_DELETED, id, req.getRemoteAddr(), null);
    resp.setStatus(204);
  }

  private void retry(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    Upload u = uploads.lifecycle().retry(id);
    audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_RETRIED, id, req.getRemoteAddr(), null);
    write(resp, 202, UploadJson.of(u));
  }

  private void content(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    visible(req, id);
    content.send(uploads.lifecycle().current(id), req, resp);
  }

  private void me(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Principal p = RequestPrincipal.of(req);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("subject", p.subject());
    body.put("admin", p.admin());
    body.put("via", p.via());
    write(resp, 200, body);
  }

  private void listKeys(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    admin(req);
    write(resp, 200, Map.of("items", apiKeys.list().stream().map(ApiServlet::keyJson).toList()));
  }

  private void createKey(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Principal p = admin(req);
    JsonNode body = readJson(req);
    String owner = text(body, "owner");
    String scope = text(body, "scope") == null ? "upload" : text(body, "scope");
    ApiKeys.Created c = apiKeys.create(owner, scope, text(body, "name"), p.subject());
    audit.record(p, AuditLog.Action.API_KEY_CREATED, null, req.getRemoteAddr(),
        Map.of("key_id", c.info().id().toString(), "owner", owner, "scope", scope));
    Map<String, Object> out = keyJson(c.info());
    out.put("key", c.key());
    write(resp, 201, out);
  }

  private void revokeKey(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    Principal p = admin(req);
    ApiKeys.KeyInfo k = apiKeys.revoke(id).orElseThrow(ApiServlet::keyNotFound);
    audit.record(p, AuditLog.Action.API_KEY_REVOKED, null, req.getRemoteAddr(),
        Map.of("key_id", id.toString()));
    write(resp, 200, keyJson(k));
  }

  private void audit(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    admin(req);
    int limit = intParam(req, "limit", 100, 1, 1000);
    String before = req.getParameter("before");
    Long beforeId = null;
    if (before != null) {
      try {
        beforeId = Long.parseLong(before);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("before must be an entry id");
      }
    }
    String uploadParam = req.getParameter("upload_id");
    UUID uploadId =
        uploadParam == null
            ? null
            : UploadIds.parse(uploadParam)
                .orElseThrow(() -> new IllegalArgumentException("upload_id is not an upload id"));
    List<AuditLog.Entry> entries =
        audit.list(textParam(req, "actor"), uploadId, textParam(req, "action"), beforeId,
            limit);
    List<Map<String, Object>> items = new ArrayList<>();
    for (AuditLog.Entry e : entries) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.id());
      m.put("at", e.at().toInstant().toString());
      m.put("actor", e.actor());
      m.put("action", e.action());
      m.put("upload_id", e.uploadId() == null ? null : e.uploadId().toString());
      m.put("address", e.address());
      m.put("detail", e.detail() == null ? null : JSON.readTree(e.detail()));
      items.add(m);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", items);
    body.put("next_before", entries.size() == limit ? entries.get(entries.size() - 1).id() : null);
    write(resp, 200, body);
  }

  private static Map<String, Object> keyJson(ApiKeys.KeyInfo k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", k.id().toString());
    m.put("prefix", k.prefix());
    m.put("owner", k.owner());
    m.put("scope", k.scope());
    m.put("name", k.name());
    m.put("created_by", k.createdBy());
    m.put("created_at", k.createdAt().toInstant().toString());
    m.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toInstant().toString());
    m.put("last_used_at", k.lastUsedAt() == null ? null : k.lastUsedAt().toInstant().toString());
    return m;
  }

  private static JsonNode readJson(HttpServletRequest req) throws IOException {
    byte[] bytes = req.getInputStream().readNBytes(MAX_JSON_BYTES + 1);
    if (bytes.length > MAX_JSON_BYTES) {
      throw new UploadException(Problem.TOO_LARGE, "the JSON body is larger than 16 KiB");
    }
    try {
      JsonNode n = JSON.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("the body must be a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not valid JSON");
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return v.asText();
  }

  /**
   * A free-text query parameter: no control characters (PostgreSQL refuses NUL in text, which
   * was a 500), at most 256 characters.
   */
  private static String textParam(HttpServletRequest req, String name) {
    String v = req.getParameter(name);
    if (v == null) {
      return null;
    }
    if (v.length() > 256) {
      throw new IllegalArgumentException(name + " is longer than 256 characters");
    }
    if (Principal.hasControl(v)) {
      throw new IllegalArgumentException(name + " must not contain control characters");
    }
    return v;
  }

  private static int intParam(HttpServletRequest req, String name, int def, int min, int max) {
    String v = req.getParameter(name);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(name + " must be between " + min + " and " + max);
  }

  private static void write(HttpServletResponse resp, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    resp.setStatus(status);
    resp.setContentType("application/json");
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
  }
}
