package dev.forgeupload.http;

import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.HookDeliveries;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.UploadQueries;
import dev.forgeupload.core.Uploads;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin REST API under /api/v1. Routes are a table ({@link #routes()}), which the OpenAPI
 * document is checked against; they live by subject: {@link UploadRoutes}, {@link ApiKeyRoutes},
 * {@link AdminRoutes} (stats, audit) and {@link HookRoutes} (hook deliveries), plus {@code /me}
 * and {@code /openapi.json} here.
 */
public final class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  /** An id path segment; {@code UploadIds.parse} then takes only the canonical form. */
  static final String ID = "([0-9a-fA-F-]{36})";

  /** One API route: method and path (OpenAPI template form), and how to answer it. */
  public record Route(String method, String template, Pattern pattern, Handler handler) {}

  interface Handler {
    void handle(Matcher m, HttpServletRequest req, HttpServletResponse resp) throws IOException;
  }

  private final transient List<Route> routes;
  private final transient ErrorWriter errors;

  public ApiServlet(
      Uploads uploads,
      UploadQueries queries,
      UploadLocks locks,
      ContentResponder content,
      ApiKeys apiKeys,
      AuditLog audit,
      HookDeliveries hookDeliveries,
      Duration lockWait,
      ErrorWriter errors) {
    this(uploads, queries, locks, content, apiKeys, audit, hookDeliveries, lockWait, errors,
        List.of());
  }

  /** With more routes: {@link FileRoutes} (share links, versions, bulk delete). */
  public ApiServlet(
      Uploads uploads,
      UploadQueries queries,
      UploadLocks locks,
      ContentResponder content,
      ApiKeys apiKeys,
      AuditLog audit,
      HookDeliveries hookDeliveries,
      Duration lockWait,
      ErrorWriter errors,
      List<Route> more) {
    this.errors = errors;
    List<Route> all = new ArrayList<>();
    all.addAll(new UploadRoutes(uploads, queries, locks, content, audit, lockWait).routes());
    all.addAll(more);
    all.addAll(new AdminRoutes(queries, audit).routes());
    all.add(route("GET", "/me", "/me", (m, q, r) -> me(q, r)));
    all.addAll(new ApiKeyRoutes(apiKeys, audit).routes());
    all.addAll(new HookRoutes(hookDeliveries).routes());
    all.add(route("GET", "/openapi.json", "/openapi.json", (m, q, r) -> openapi(r)));
    this.routes = List.copyOf(all);
  }

  static Route route(String method, String template, String regex, Handler h) {
    return new Route(method, template, Pattern.compile(regex), h);
  }

  /** The routes, for the OpenAPI check (the events stream is served by its own servlet). */
  public List<Route> routes() {
    return routes;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
    RouteDispatch.serve(routes, path, req, resp, errors);
  }

  private static void me(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Principal p = RequestPrincipal.of(req);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("subject", p.subject());
    body.put("admin", p.admin());
    body.put("via", p.via());
    ApiJson.write(resp, 200, body);
  }

  private static void openapi(HttpServletResponse resp) throws IOException {
    try (InputStream in = ApiServlet.class.getResourceAsStream("/openapi.json")) {
      byte[] body = in.readAllBytes();
      resp.setStatus(200);
      resp.setContentType("application/json");
      resp.setContentLength(body.length);
      resp.getOutputStream().write(body);
    }
  }
}
