package dev.forgeupload.http;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Security headers on every response; the pages of the web UI also get a Content-Security-Policy
 * that allows only the site's own scripts (no inline script, no eval) and no framing.
 */
public final class SecurityHeadersFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  static final String UI_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
          + "img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; "
          + "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("Referrer-Policy", "no-referrer");
    resp.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    String path = AuthFilter.path(req);
    boolean ui = !path.startsWith("/files") && !path.startsWith("/api/");
    if (ui) {
      resp.setHeader("Content-Security-Policy", UI_POLICY);
      resp.setHeader("X-Frame-Options", "DENY");
      resp.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    }
    chain.doFilter(req, resp);
  }
}
