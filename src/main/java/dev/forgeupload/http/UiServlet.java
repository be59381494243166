package dev.forgeupload.http;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;

/** The web UI's static files: reads only; other methods are a {@code 405}, never a {@code 501}. */
public final class UiServlet extends DefaultServlet {
  private static final long serialVersionUID = 1L;
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp)
      throws ServletException, IOException {
    if (!ReadOnlyServlet.refused(req, resp, READS)) {
      super.service(req, resp);
    }
  }
}
