package dev.forgeupload.http;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;

/** The web UI's static files: reads only; other methods are a {@code 405}, never a {@code 501}. */
public final class UiServlet extends DefaultServlet {
  private static final long serialVersionUID = 1L;

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp)
      throws ServletException, IOException {
    String m = req.getMethod();
    if (!m.equals("GET") && !m.equals("HEAD") && !m.equals("OPTIONS")) {
      resp.setHeader("Allow", "GET, HEAD, OPTIONS");
      ErrorWriter.UNCOUNTED.api(resp, 405, "method_not_allowed", m + " is not allowed here");
      return;
    }
    super.service(req, resp);
  }
}
