package dev.forgeupload.tus;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Hands every request under /files to the tus endpoint. */
public final class TusServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient TusHandler tus;

  public TusServlet(TusHandler tus) {
    this.tus = tus;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    tus.process(req, resp);
  }
}
