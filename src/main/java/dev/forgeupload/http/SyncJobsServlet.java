package dev.forgeupload.http;

import dev.forgeupload.sync.SyncJobs;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

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
    String path = AuthFilter.path(req).substring("/api/v1".length());
    RouteDispatch.serve(routes, path, req, resp, errors);
  }
}
