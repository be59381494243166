package dev.forgeupload.http;

import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.sync.SyncJobs;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;

/**
 * {@code /api/v1/sync-jobs} and below, registered only when sync jobs are on: without it the
 * paths fall through to {@link ApiServlet}, which answers 404 like for any unknown path. Same
 * headers and error mapping as the rest of the API.
 */
public final class SyncJobsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  public static final String PATH = "/api/v1/sync-jobs/*";

  private final transient List<ApiServlet.Route> routes;
  private final transient ErrorWriter errors;

  public SyncJobsServlet(SyncJobs jobs, ErrorWriter errors) {
    this.routes = new SyncJobRoutes(jobs).routes();
    this.errors = errors;
  }

  /** The routes, for the OpenAPI check. */
  public List<ApiServlet.Route> routes() {
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
    String path = AuthFilter.path(req).substring("/api/v1".length());
    boolean pathMatched = false;
    for (ApiServlet.Route r : routes) {
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
}
