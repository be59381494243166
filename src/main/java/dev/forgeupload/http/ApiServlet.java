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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The admin REST API under /api/v1: list, get, delete and download uploads. */
public final class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final transient UploadService uploads;
  private final transient UploadRepository repo;
  private final transient UploadLocks locks;
  private final transient ContentResponder content;
  private final Duration lockWait;

  public ApiServlet(
      UploadService uploads,
      UploadRepository repo,
      UploadLocks locks,
      ContentResponder content,
      Duration lockWait) {
    this.uploads = uploads;
    this.repo = repo;
    this.locks = locks;
    this.content = content;
    this.lockWait = lockWait;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("Cache-Control", "no-store");
    try {
      route(req, resp);
    } catch (UploadException e) {
      ErrorWriter.api(resp, e.status(), e.code(), e.getMessage());
    } catch (IllegalArgumentException e) {
      ErrorWriter.api(resp, 400, "bad_request", e.getMessage());
    }
  }

  private void route(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
    String[] seg = path.substring(1).split("/", -1);
    String method = req.getMethod();
    if (seg.length == 1 && seg[0].equals("uploads")) {
      requireMethod(method, "GET");
      list(req, resp);
    } else if (seg.length == 2 && seg[0].equals("uploads")) {
      UUID id = parseId(seg[1]);
      switch (method) {
        case "GET" -> write(resp, 200, UploadJson.of(visible(id)));
        case "DELETE" -> delete(id, resp);
        default -> throw notAllowed(method);
      }
    } else if (seg.length == 3 && seg[0].equals("uploads") && seg[2].equals("retry")) {
      requireMethod(method, "POST");
      write(resp, 202, UploadJson.of(uploads.retry(parseId(seg[1]))));
    } else if (seg.length == 3 && seg[0].equals("uploads") && seg[2].equals("content")) {
      UUID id = parseId(seg[1]);
      if (!method.equals("GET") && !method.equals("HEAD")) {
        throw notAllowed(method);
      }
      content.send(uploads.get(id), req, resp);
    } else {
      throw new UploadException(404, "not_found", "no such endpoint");
    }
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
    UploadRepository.Page page =
        repo.list(new UploadRepository.ListQuery(state, q, req.getParameter("cursor"), limit));
    Map<String, Object> body = new LinkedHashMap<>();
    List<Map<String, Object>> items = page.items().stream().map(UploadJson::of).toList();
    body.put("items", items);
    body.put("next_cursor", page.nextCursor());
    write(resp, 200, body);
  }

  private void delete(UUID id, HttpServletResponse resp) throws IOException {
    visible(id);
    try (UploadLocks.Lock lock =
        locks.acquire(id, lockWait).orElseThrow(UploadException::locked)) {
      uploads.terminate(id);
    }
    resp.setStatus(204);
  }

  private static UUID parseId(String s) {
    return UploadIds.parse(s).orElseThrow(UploadException::notFound);
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw notAllowed(method);
    }
  }

  private static UploadException notAllowed(String method) {
    return new UploadException(405, "method_not_allowed", method + " is not allowed here");
  }

  private static void write(HttpServletResponse resp, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    resp.setStatus(status);
    resp.setContentType("application/json");
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
  }
}
