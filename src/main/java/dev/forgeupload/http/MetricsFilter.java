package dev.forgeupload.http;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Times every request by handler (from the path's first segment, a fixed set), method and status
 * class. Outermost filter, so it sees the status the last-resort 500 of RequestIdFilter sets. An
 * asynchronous response is recorded when it completes (its whole duration, like a blocking one).
 */
public final class MetricsFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  private final transient Metrics metrics;

  public MetricsFilter(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    long start = System.nanoTime();
    boolean failed = true;
    try {
      chain.doFilter(req, resp);
      failed = false;
    } finally {
      if (!failed && req.isAsyncStarted()) {
        // an asynchronous response (the event stream) is timed when it completes
        String handler = handler(AuthFilter.path(req));
        String method = req.getMethod();
        req.getAsyncContext().addListener(
            new AsyncListener() {
              @Override
              public void onComplete(AsyncEvent event) {
                metrics.request(handler, method, resp.getStatus(), System.nanoTime() - start);
              }

              @Override
              public void onTimeout(AsyncEvent event) {}

              @Override
              public void onError(AsyncEvent event) {}

              @Override
              public void onStartAsync(AsyncEvent event) {}
            });
      } else {
        int status = failed && !resp.isCommitted() ? 500 : resp.getStatus();
        metrics.request(handler(AuthFilter.path(req)), req.getMethod(), status,
            System.nanoTime() - start);
      }
    }
  }

  static String handler(String path) {
    if (path == null) {
      return "other";
    }
    if (path.equals("/files") || path.startsWith("/files/")) {
      return "tus";
    }
    if (path.equals("/api/v1/events")) {
      return "events";
    }
    if (path.startsWith("/api/")) {
      return "api";
    }
    if (path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz")) {
      return path.substring(1);
    }
    return "ui";
  }
}
