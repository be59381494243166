package dev.forgeupload.http;

import dev.forgeupload.auth.Authenticator;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.auth.RateLimiter;
import dev.forgeupload.core.Problem;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every request to the tus endpoint, the API and /metrics passes here: the client address's rate
 * budget, then the bearer credential (API key or JWT; with {@code FORGE_AUTH=none} everyone is
 * {@link Principal#OPEN}), then the owner's rate budget. Share links ({@code /s/<token>}) spend
 * the address's budget but need no credential (the token is one). The UI's static files, /healthz and
 * /readyz are public (they hold no data). tus {@code OPTIONS} (capability discovery) needs no
 * credential.
 */
public final class AuthFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  /** Where a header cannot be set (EventSource, img/video src, download links). */
  private static final Pattern QUERY_TOKEN_PATHS =
      Pattern.compile("/api/v1/events|/api/v1/uploads/[0-9a-fA-F-]{36}/content");
  private static final String CHALLENGE = "Bearer realm=\"forgeupload\"";

  private final transient Authenticator authenticator; // null when FORGE_AUTH=none
  private final transient RateLimiter limiter;
  private final int ownerPerMinute;
  private final int addressPerMinute;
  private final transient ErrorWriter errors;

  /**
   * {@code authenticator} null: {@code FORGE_AUTH=none}, everyone is {@link Principal#OPEN}. A
   * rate of 0 per minute is no limit.
   */
  public AuthFilter(
      Authenticator authenticator, RateLimiter limiter, int ownerPerMinute, int addressPerMinute,
      ErrorWriter errors) {
    this.errors = errors;
    this.authenticator = authenticator;
    this.limiter = limiter;
    this.ownerPerMinute = ownerPerMinute;
    this.addressPerMinute = addressPerMinute;
  }

  private enum Area {
    TUS,
    API,
    METRICS,
    /** Share links: no credential (the token is one), but the address's rate budget. */
    SHARE,
    PUBLIC
  }

  private static Area area(String path) {
    if (path.equals("/files") || path.startsWith("/files/")) {
      return Area.TUS;
    }
    if (path.startsWith("/api/")) {
      return Area.API;
    }
    if (path.equals("/metrics")) {
      return Area.METRICS;
    }
    if (path.startsWith("/s/")) {
      return Area.SHARE;
    }
    return Area.PUBLIC;
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    // The decoded, normalized path the servlet mapping used: the raw request URI can hide a
    // protected path from a prefix check (";param" segments, percent-encoding) and still be
    // routed to it.
    String path = path(req);
    Area area = area(path);
    if (req.getQueryString() != null && !QueryStrings.valid(req.getQueryString())) {
      error(area, req, resp, Problem.BAD_QUERY,
          "the query string is not valid percent-encoded UTF-8");
      return;
    }
    if (area == Area.PUBLIC) {
      chain.doFilter(req, resp);
      return;
    }
    long wait = limiter.acquire("a:" + req.getRemoteAddr(), addressPerMinute);
    if (wait > 0) {
      tooMany(area, req, resp, wait, "too many requests from this address");
      return;
    }
    if (area == Area.SHARE) {
      chain.doFilter(req, resp); // no principal: the share servlet needs none
      return;
    }
    Principal principal;
    if (authenticator == null) {
      principal = Principal.OPEN;
    } else if (area == Area.TUS && req.getMethod().equals("OPTIONS")
        && isBlank(req.getHeader("X-HTTP-Method-Override"))) {
      // (the tus engine honours X-HTTP-Method-Override on any method: an "OPTIONS" carrying one
      // is really that method and needs a credential)
      chain.doFilter(req, resp); // tus discovery: capabilities only, no data
      return;
    } else {
      principal = authenticate(area, path, req, resp);
      if (principal == null) {
        return;
      }
    }
    if (principal.subject() != null) {
      wait = limiter.acquire("o:" + principal.subject(), ownerPerMinute);
      if (wait > 0) {
        tooMany(area, req, resp, wait, "too many requests for this user");
        return;
      }
    }
    if (area == Area.METRICS && !principal.admin()) {
      error(area, req, resp, Problem.FORBIDDEN, "metrics need the admin scope");
      return;
    }
    RequestPrincipal.attach(req, principal);
    chain.doFilter(req, resp);
  }

  /** The bearer credential's principal, or null once a 401 is written. */
  private Principal authenticate(
      Area area, String path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    String token = token(req, path);
    Optional<Principal> p = token == null ? Optional.empty() : authenticator.authenticate(token);
    if (p.isPresent()) {
      return p.get();
    }
    resp.setHeader(
        "WWW-Authenticate", token == null ? CHALLENGE : CHALLENGE + ", error=\"invalid_token\"");
    error(area, req, resp, Problem.UNAUTHORIZED,
        token == null
            ? "authentication required: send Authorization: Bearer <token or API key>"
            : "the bearer token or API key is invalid, expired or revoked");
    return null;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  static String path(HttpServletRequest req) {
    String servletPath = req.getServletPath() == null ? "" : req.getServletPath();
    String info = req.getPathInfo();
    return info == null ? servletPath : servletPath + info;
  }

  private static String token(HttpServletRequest req, String path) {
    String h = req.getHeader("Authorization");
    if (h != null) {
      String v = h.strip();
      if (v.regionMatches(true, 0, "Bearer ", 0, 7)) {
        String t = v.substring(7).strip();
        return t.isEmpty() ? null : t;
      }
      return null;
    }
    if ((req.getMethod().equals("GET") || req.getMethod().equals("HEAD"))
        && QUERY_TOKEN_PATHS.matcher(path).matches()) {
      String t = req.getParameter("access_token");
      return t == null || t.isEmpty() ? null : t;
    }
    return null;
  }

  private void tooMany(Area area, HttpServletRequest req, HttpServletResponse resp, long seconds,
      String reason) throws IOException {
    resp.setHeader("Retry-After", Long.toString(seconds));
    error(area, req, resp, Problem.RATE_LIMITED, reason + "; retry after " + seconds + " s");
  }

  private void error(Area area, HttpServletRequest req, HttpServletResponse resp,
      Problem problem, String message) throws IOException {
    if (area == Area.TUS) {
      errors.tus(req, resp, problem, message);
    } else {
      errors.api(req, resp, problem, message);
    }
  }
}
