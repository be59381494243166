package dev.forgeupload.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** /healthz (the process answers) and /readyz (it accepts uploads: dependencies reachable). */
public final class HealthServlet extends ReadOnlyServlet {
  private static final long serialVersionUID = 1L;
  private final transient BooleanSupplier ready;

  public HealthServlet(BooleanSupplier ready) {
    this.ready = ready;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    boolean ok = "/healthz".equals(req.getServletPath()) || ready.getAsBoolean();
    byte[] body = (ok ? "ok\n" : "not ready\n").getBytes(StandardCharsets.UTF_8);
    resp.setStatus(ok ? 200 : 503);
    resp.setContentType("text/plain; charset=utf-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }
}
