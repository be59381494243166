package dev.forgeupload.http;

import dev.forgeupload.auth.Principal;
import jakarta.servlet.http.HttpServletRequest;

/** The {@link Principal} that {@link AuthFilter} attached to a request, as a request attribute. */
public final class RequestPrincipal {
  private static final String ATTRIBUTE = Principal.class.getName();

  private RequestPrincipal() {}

  /** The principal the authentication filter attached; none attached means no access at all. */
  public static Principal of(HttpServletRequest req) {
    Object p = req.getAttribute(ATTRIBUTE);
    if (p instanceof Principal principal) {
      return principal;
    }
    throw new IllegalStateException("request reached a protected servlet without authentication");
  }

  static void attach(HttpServletRequest req, Principal principal) {
    req.setAttribute(ATTRIBUTE, principal);
  }
}
