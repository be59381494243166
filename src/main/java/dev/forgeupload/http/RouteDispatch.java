package dev.forgeupload.http;

import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;

/**
 * How the API servlets answer from a route table: the API's headers, the first route whose path
 * and method match, 405 when only the path does, 404 when nothing does, and the API's error
 * mapping ({@link UploadException} as problem JSON, a bad argument as 400).
 */
final class RouteDispatch {
  private RouteDispatch() {}

  static void serve(
      List<ApiServlet.Route> routes,
      String path,
      HttpServletRequest req,
      HttpServletResponse resp,
      ErrorWriter errors)
      throws IOException {
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("Cache-Control", "no-store");
    try {
      dispatch(routes, path, req, resp);
    } catch (UploadException e) {
      errors.api(req, resp, e);
    } catch (IllegalArgumentException e) {
      errors.api(req, resp, Problem.BAD_REQUEST, e.getMessage());
    }
  }

  private static void dispatch(
      List<ApiServlet.Route> routes, String path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
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
