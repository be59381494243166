package dev.forgeupload.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** GET /metrics: this server's meters in the Prometheus text format. */
public final class MetricsServlet extends ReadOnlyServlet {
  private static final long serialVersionUID = 1L;
  private final transient Metrics metrics;

  public MetricsServlet(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
    resp.setStatus(200);
    resp.setContentType(Metrics.contentType());
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }
}
