package dev.forgeupload.http;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;

/**
 * A servlet that only answers reads. Any other method is a {@code 405} with {@code Allow}: plain
 * {@link HttpServlet} answers methods it does not know (PATCH) with a {@code 501}, a 5xx for
 * what is the client's mistake.
 */
abstract class ReadOnlyServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final Set<String> allowed;

  ReadOnlyServlet(Set<String> allowed) {
    this.allowed = allowed;
  }

  ReadOnlyServlet() {
    this(Set.of("GET", "HEAD"));
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp)
      throws ServletException, IOException {
    if (!refused(req, resp, allowed)) {
      super.service(req, resp);
    }
  }

  /** Answers 405 with {@code Allow} unless the request's method is allowed; true if it did. */
  static boolean refused(HttpServletRequest req, HttpServletResponse resp, Set<String> allowed)
      throws IOException {
    if (allowed.contains(req.getMethod())) {
      return false;
    }
    resp.setHeader("Allow", String.join(", ", allowed.stream().sorted().toList()));
    ErrorWriter.UNCOUNTED.api(req, resp, dev.forgeupload.core.Problem.METHOD_NOT_ALLOWED,
        req.getMethod() + " is not allowed here");
    return true;
  }
}
