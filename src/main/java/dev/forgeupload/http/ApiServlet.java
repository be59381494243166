package dev.forgeupload.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.UploadRepository;
import dev.forgeupload.core.UploadService;
import dev.forgeupload.core.UploadState;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
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

  /** One API route: method and path (OpenAPI template form), and how to answer it. */
  public record Route(String method, String template, Pattern pattern, Handler handler) {}

  interface Handler {
    void handle(Matcher m, HttpServletRequest req, HttpServletResponse resp) throws IOException;
  }

  private final transient UploadService uploads;
  private final transient UploadRepository repo;
  private final transient UploadLocks locks;
  private final transient ContentResponder content;
  private final Duration lockWait;
  private final transient List<Route> routes;
  private final transient ErrorWriter errors;

  public ApiServlet(
      UploadService uploads,
      UploadRepository repo,
      UploadLocks locks,
      ContentResponder content,
      Duration lockWait) {
    this(uploads, repo, locks, content, lockWait, ErrorWriter.UNCOUNTED);
  }

  public ApiServlet(
      UploadService uploads,
      UploadRepository repo,
      UploadLocks locks,
      ContentResponder content,
      Duration lockWait,
      ErrorWriter errors) {
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
                (m, q, r) -> write(r, 200, UploadJson.of(visible(id(m))))),
            route("DELETE", "/uploads/{id}", "/uploads/" + ID, (m, q, r) -> delete(id(m), r)),
            route("POST", "/uploads/{id}/retry", "/uploads/" + ID + "/retry",
                (m, q, r) -> write(r, 202, UploadJson.of(uploads.retry(id(m))))),
            route("GET", "/uploads/{id}/timeline", "/uploads/" + ID + "/timeline",
                (m, q, r) -> timeline(id(m), r)),
            route("GET", "/uploads/{id}/content", "/uploads/" + ID + "/content",
                (m, q, r) -> content.send(uploads.get(id(m)), q, r)),
            route("HEAD", "/uploads/{id}/content", "/uploads/" + ID + "/content",
                (m, q, r) -> content.send(uploads.get(id(m)), q, r)),
            route("GET", "/stats", "/stats", (m, q, r) -> stats(r)),
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
      errors.api(resp, e.status(), e.code(), e.getMessage());
    } catch (IllegalArgumentException e) {
      errors.api(resp, 400, "bad_request", e.getMessage());
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
          405, "method_not_allowed", req.getMethod() + " is not allowed here");
    }
    throw new UploadException(404, "not_found", "no such endpoint");
  }

  private static UUID id(Matcher m) {
    return UploadIds.parse(m.group(1)).orElseThrow(UploadException::notFound);
  }

  private Upload visible(UUID id) {
    return repo.find(id).orElseThrow(UploadException::notFound);
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
    int limit = 50;
    String limitParam = req.getParameter("limit");
    if (limitParam != null) {
      try {
        limit = Integer.parseInt(limitParam);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 500) {
        throw new IllegalArgumentException("limit must be between 1 and 500");
      }
    }
    String q = req.getParameter("q");
    if (q != null && q.length() > 256) {
      throw new IllegalArgumentException("q is longer than 256 characters");
    }
    UploadRepository.Sort sort =
        switch (req.getParameter("sort") == null ? "created" : req.getParameter("sort")) {
          case "created" -> UploadRepository.Sort.CREATED;
          case "size" -> UploadRepository.Sort.SIZE;
          default -> throw new IllegalArgumentException("sort must be created or size");
        };
    boolean ascending =
        switch (req.getParameter("order") == null ? "desc" : req.getParameter("order")) {
          case "asc" -> true;
          case "desc" -> false;
          default -> throw new IllegalArgumentException("order must be asc or desc");
        };
    UploadRepository.Page page =
        repo.list(
            new UploadRepository.ListQuery(
                state, q, req.getParameter("cursor"), limit, sort, ascending));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", page.items().stream().map(UploadJson::of).toList());
    body.put("next_cursor", page.nextCursor());
    write(resp, 200, body);
  }

  private void timeline(UUID id, HttpServletResponse resp) throws IOException {
    visible(id);
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

  private void stats(HttpServletResponse resp) throws IOException {
    UploadRepository.Stats s = repo.stats(30);
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

  private void delete(UUID id, HttpServletResponse resp) throws IOException {
    visible(id);
    try (UploadLocks.Lock lock =
        locks.acquire(id, lockWait).orElseThrow(UploadException::locked)) {
      uploads.terminate(id);
    }
    resp.setStatus(204);
  }

  private static void write(HttpServletResponse resp, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    resp.setStatus(status);
    resp.setContentType("application/json");
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
  }
}
