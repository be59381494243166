package dev.forgeupload.http;

import dev.forgeupload.core.Problem;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Gives every request an id (the client's X-Request-Id when it is sane), echoes it, puts it in the
 * log MDC, and turns anything unexpected into a logged 500 without a stack trace to the client.
 */
public final class RequestIdFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(RequestIdFilter.class);
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    String id = req.getHeader("X-Request-Id");
    if (id == null || !SANE.matcher(id).matches()) {
      id = UUID.randomUUID().toString();
    }
    MDC.put("request_id", id);
    resp.setHeader("X-Request-Id", id);
    try {
      chain.doFilter(req, resp);
    } catch (IOException | ServletException | RuntimeException e) {
      if (isClientAbort(e)) {
        log.debug("ClientAborted method={} uri={}", req.getMethod(), req.getRequestURI());
        return;
      }
      log.error("RequestFailed method={} uri={}", req.getMethod(), req.getRequestURI(), e);
      if (!resp.isCommitted()) {
        boolean api = req.getRequestURI().startsWith("/api/");
        if (api) {
          ErrorWriter.UNCOUNTED.api(req, resp, Problem.INTERNAL,
              "internal error; request id " + id);
        } else {
          ErrorWriter.UNCOUNTED.tus(req, resp, Problem.INTERNAL,
              "internal error; request id " + id);
        }
      }
    } finally {
      MDC.remove("request_id");
    }
  }

  private static boolean isClientAbort(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.eclipse.jetty.io.EofException
          || t instanceof dev.forgeupload.core.BodyReadException) {
        return true;
      }
    }
    return false;
  }
}
